// Throw-away certificates for TLS tests, made with openssl (Debian's openssl package is on every machine of this
// kind): a CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by the CA.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCertificates {
  dir: string;
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** File paths of the same, for configs that take files. */
  files: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
}

export function makeTestCertificates(dir: string, prefix = ''): TestCertificates {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const f = (name: string) => `${prefix}${name}`;
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
  );
  fs.writeFileSync(path.join(dir, f('san.ext')), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const name of ['server', 'client']) {
    run('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
    run(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.crt`),
      '-days',
      '1',
      '-extfile',
      f('san.ext'),
    );
  }
  const file = (name: string) => path.join(dir, f(name));
  const files = {
    ca: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
  };
  return {
    dir,
    ca: fs.readFileSync(files.ca),
    serverCert: fs.readFileSync(files.serverCert),
    serverKey: fs.readFileSync(files.serverKey),
    clientCert: fs.readFileSync(files.clientCert),
    clientKey: fs.readFileSync(files.clientKey),
    files,
  };
}
