// Real backend servers for tests, started on free loopback ports and
// stopped by PID; also usable by hand through the `*.sh` scripts here.
export * from './azurite';
export * from './free-port';
export * from './real-server';
export * from './s3rver';
export * from './swift';
