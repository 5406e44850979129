// Moved beside the backend servers that need it too (libs/backends/src/testing/servers).
export { freePort } from '../../libs/backends/src/testing/servers/free-port';
