#!/usr/bin/python3
"""A single-node OpenStack Swift "all in one" for tests and for use by hand.

    /usr/bin/python3 libs/backends/src/testing/servers/swift-aio.py --dir DIR [--port 0] [--container mcos ...]

Run it with Debian's /usr/bin/python3 (packages swift swift-proxy
swift-account swift-container swift-object memcached): a pyenv python on
PATH lacks the swift module.

It writes everything under DIR (configs, a private swift.conf, rings, one
device directory, logs), starts a private memcached and the account,
container, object and proxy servers on free 127.0.0.1 ports (the proxy on
--port if given), waits until tempauth answers, creates the --container(s),
then prints ONE line of JSON on stdout:

    {"authUrl": "http://127.0.0.1:P/auth/v1.0", "storageUrl": ".../v1/AUTH_test",
     "s3Endpoint": "http://127.0.0.1:P", "user": "test:tester", "key": "testing",
     "pids": {...}, "ports": {...}, "dir": DIR}

and stays until SIGTERM/SIGINT, when it stops exactly the processes it
started (SIGTERM, then SIGKILL after 5 s). It and its children die with
their parent (PR_SET_PDEATHSIG), so a crashed test run leaves nothing.

Proxy pipeline: tempauth (native API, v1.0 auth) with s3api before it (S3
API: access key "test:tester", secret "testing", SigV4, path-style) and slo
after s3api (static large objects, S3 multipart). Rings: part power 6, one
replica, one device, mount_check off.

Swift servers read /etc/swift/swift.conf whatever swift_dir says: each
server is started through this same script (--run-server), which points
swift.common.utils.SWIFT_CONF_FILE at DIR/etc/swift.conf before any other
Swift module is imported. Nothing under /etc is read or written.
"""

import argparse
import ctypes
import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

PR_SET_PDEATHSIG = 1
SERVERS = ('account', 'container', 'object', 'proxy')
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 5
ACCOUNT, USER, KEY = 'test', 'tester', 'testing'

# eventlet's green DNS imports dnspython (and through it httpx, rich...): that
# alone triples a server's start-up time, and loopback needs no DNS at all.
os.environ['EVENTLET_NO_GREENDNS'] = 'yes'


def die_with_parent(sig=signal.SIGTERM):
    """The kernel sends `sig` to this process when its parent exits."""
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except OSError:
        pass


def run_server(server, conf, swift_conf):
    """Child mode: one Swift WSGI server reading a private swift.conf."""
    die_with_parent(signal.SIGKILL)
    # The same patches Swift applies in run_wsgi, applied before the imports
    # below: eventlet then has far fewer existing locks to convert (each one
    # costs a full garbage collection), which halves the start-up time.
    import eventlet.patcher
    eventlet.patcher.monkey_patch(all=False, socket=True, select=True, thread=True)
    import swift.common.utils as utils
    utils.SWIFT_CONF_FILE = swift_conf
    from swift.common.wsgi import run_wsgi
    kwargs = {'verbose': True}
    if server == 'object':
        from swift.obj import server as obj_server
        kwargs['global_conf_callback'] = obj_server.global_conf_callback
    sys.exit(run_wsgi(conf, '%s-server' % server, **kwargs))


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def build_ring(path, port):
    from swift.common.ring import RingBuilder
    builder = RingBuilder(6, 1, 0)
    builder.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port,
                     'device': 'd1', 'weight': 100, 'meta': ''})
    builder.rebalance()
    builder.get_ring().save(path)


def configure(base, ports):
    etc = os.path.join(base, 'etc')
    devices = os.path.join(base, 'srv')
    logs = os.path.join(base, 'log')
    for d in (etc, os.path.join(devices, 'd1'), logs, os.path.join(base, 'run')):
        os.makedirs(d, exist_ok=True)
    write(os.path.join(etc, 'swift.conf'), '\n'.join([
        '[swift-hash]',
        'swift_hash_path_suffix = mcos-test-suffix',
        'swift_hash_path_prefix = mcos-test-prefix',
        '[storage-policy:0]',
        'name = gold',
        'default = yes',
        '[swift-constraints]',
        '']))
    user = pwd.getpwuid(os.getuid()).pw_name
    common = '\n'.join([
        '[DEFAULT]',
        'bind_ip = 127.0.0.1',
        'bind_port = %(port)d',
        'workers = 0',
        'user = ' + user,
        'swift_dir = ' + etc,
        'devices = ' + devices,
        'mount_check = false',
        'log_level = INFO',
        # Without a syslog socket Swift logs over UDP; an IP (not "localhost")
        # avoids a DNS lookup that can stall start-up for seconds.
        'log_udp_host = 127.0.0.1',
        'log_name = %(name)s',
        ''])
    for server in ('account', 'container', 'object'):
        write(os.path.join(etc, '%s-server.conf' % server), common % {'port': ports[server], 'name': server} + '\n'.join([
            '[pipeline:main]',
            'pipeline = %s-server' % server,
            '[app:%s-server]' % server,
            'use = egg:swift#%s' % server,
            '']))
        build_ring(os.path.join(etc, '%s.ring.gz' % server), ports[server])
    write(os.path.join(etc, 'proxy-server.conf'), common % {'port': ports['proxy'], 'name': 'proxy'} + '\n'.join([
        '[pipeline:main]',
        'pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk '
        's3api tempauth copy slo dlo proxy-logging proxy-server',
        '[app:proxy-server]',
        'use = egg:swift#proxy',
        'account_autocreate = true',
        '[filter:catch_errors]',
        'use = egg:swift#catch_errors',
        '[filter:gatekeeper]',
        'use = egg:swift#gatekeeper',
        '[filter:healthcheck]',
        'use = egg:swift#healthcheck',
        '[filter:proxy-logging]',
        'use = egg:swift#proxy_logging',
        '[filter:cache]',
        'use = egg:swift#memcache',
        'memcache_servers = 127.0.0.1:%d' % ports['memcached'],
        '[filter:listing_formats]',
        'use = egg:swift#listing_formats',
        '[filter:bulk]',
        'use = egg:swift#bulk',
        '[filter:s3api]',
        'use = egg:swift#s3api',
        'location = us-east-1',
        '[filter:tempauth]',
        'use = egg:swift#tempauth',
        'user_%s_%s = %s .admin' % (ACCOUNT, USER, KEY),
        'token_life = 86400',
        '[filter:copy]',
        'use = egg:swift#copy',
        '[filter:slo]',
        'use = egg:swift#slo',
        '[filter:dlo]',
        'use = egg:swift#dlo',
        '']))
    return etc, logs


def spawn(argv, log_path):
    log = open(log_path, 'ab')
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=lambda: die_with_parent(signal.SIGKILL))


def stop_all(children):
    for p in children.values():
        if p.poll() is None:
            p.terminate()
    deadline = time.time() + STOP_TIMEOUT_S
    for p in children.values():
        try:
            p.wait(max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_until_ready(children, ports, logs, containers):
    deadline = time.time() + START_TIMEOUT_S
    auth_url = 'http://127.0.0.1:%d/auth/v1.0' % ports['proxy']
    last = None
    while time.time() < deadline:
        for name, p in children.items():
            if p.poll() is not None:
                raise RuntimeError('%s exited with %s: %s' % (name, p.returncode, tail(os.path.join(logs, name + '.log'))))
        try:
            for name in SERVERS:
                socket.create_connection(('127.0.0.1', ports[name]), timeout=1).close()
            req = urllib.request.Request(auth_url, headers={'X-Auth-User': '%s:%s' % (ACCOUNT, USER), 'X-Auth-Key': KEY})
            with urllib.request.urlopen(req, timeout=5) as res:
                storage_url = res.headers['X-Storage-Url']
                token = res.headers['X-Auth-Token']
            for c in containers:
                put = urllib.request.Request('%s/%s' % (storage_url, c), method='PUT', headers={'X-Auth-Token': token})
                urllib.request.urlopen(put, timeout=10).close()
            return auth_url, storage_url
        except (OSError, urllib.error.URLError) as e:
            last = e
            time.sleep(0.1)
    raise RuntimeError('swift did not start within %d s (last error: %s)' % (START_TIMEOUT_S, last))


def tail(path, lines=20):
    try:
        with open(path, 'rb') as f:
            return b'\n'.join(f.read().splitlines()[-lines:]).decode('utf-8', 'replace')
    except OSError:
        return ''


def main():
    if len(sys.argv) == 5 and sys.argv[1] == '--run-server':
        return run_server(sys.argv[2], sys.argv[3], sys.argv[4])
    parser = argparse.ArgumentParser(description='single-node Swift for tests')
    parser.add_argument('--dir', required=True)
    parser.add_argument('--port', type=int, default=0, help='proxy port (default: any free port)')
    parser.add_argument('--container', action='append', default=[], help='container to create (repeatable)')
    args = parser.parse_args()

    die_with_parent(signal.SIGTERM)
    base = os.path.abspath(args.dir)
    ports = {name: free_port() for name in ('memcached', 'account', 'container', 'object')}
    ports['proxy'] = args.port or free_port()
    etc, logs = configure(base, ports)
    children = {}

    def on_signal(_signum, _frame):
        stop_all(children)
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        memcached = ['/usr/bin/memcached', '-l', '127.0.0.1', '-p', str(ports['memcached']), '-U', '0', '-m', '64', '-t', '1']
        if os.getuid() == 0:
            memcached += ['-u', 'root']
        children['memcached'] = spawn(memcached, os.path.join(logs, 'memcached.log'))
        for name in SERVERS:
            conf = os.path.join(etc, '%s-server.conf' % name)
            children[name] = spawn([sys.executable, os.path.abspath(__file__), '--run-server', name, conf,
                                    os.path.join(etc, 'swift.conf')], os.path.join(logs, name + '.log'))
        auth_url, storage_url = wait_until_ready(children, ports, logs, args.container)
    except Exception as e:  # noqa: BLE001 - report anything, then clean up
        stop_all(children)
        sys.stderr.write('swift-aio: %s\n' % e)
        return 1
    sys.stdout.write(json.dumps({
        'authUrl': auth_url,
        'storageUrl': storage_url,
        's3Endpoint': 'http://127.0.0.1:%d' % ports['proxy'],
        'user': '%s:%s' % (ACCOUNT, USER),
        'key': KEY,
        'containers': args.container,
        'pids': {name: p.pid for name, p in children.items()},
        'ports': ports,
        'dir': base,
    }) + '\n')
    sys.stdout.flush()
    while True:
        signal.pause()


if __name__ == '__main__':
    sys.exit(main())
