// Throw-away certificates for TLS tests, made with openssl (Debian's openssl package is on every machine of this
// kind): a CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by the CA — and,
// on request, certificates of that CA that expired long ago.
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
  /** The CA's key (to sign more certificates) and the file-name prefix these were made with. */
  caKeyFile: string;
  prefix: string;
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
    caKeyFile: file('ca.key'),
    prefix,
    ca: fs.readFileSync(files.ca),
    serverCert: fs.readFileSync(files.serverCert),
    serverKey: fs.readFileSync(files.serverKey),
    clientCert: fs.readFileSync(files.clientCert),
    clientKey: fs.readFileSync(files.clientKey),
    files,
  };
}

export interface ExpiredCertificate {
  cert: Buffer;
  key: Buffer;
  files: { cert: string; key: string };
}

/**
 * A certificate for localhost/127.0.0.1 signed by `certs`' CA that was valid for one day in January 2020 (`openssl
 * x509` cannot back-date, `openssl ca` can). Otherwise identical to the good ones, so an expiry check is the only
 * thing that can refuse it.
 */
export function makeExpiredCertificate(certs: TestCertificates, name: string): ExpiredCertificate {
  const dir = certs.dir;
  const f = (suffix: string) => `${certs.prefix}${name}${suffix}`;
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  fs.writeFileSync(
    path.join(dir, f('.cnf')),
    [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `database = ${f('.index')}`,
      'new_certs_dir = .',
      `serial = ${f('.serial')}`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      '[ policy_any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, f('.index')), '');
  fs.writeFileSync(path.join(dir, f('.serial')), '1000\n');
  fs.writeFileSync(path.join(dir, f('.ext')), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    f('.key'),
    '-out',
    f('.csr'),
    '-subj',
    `/CN=${name}`,
  );
  run(
    'ca',
    '-batch',
    '-notext',
    '-config',
    f('.cnf'),
    '-cert',
    certs.files.ca,
    '-keyfile',
    certs.caKeyFile,
    '-in',
    f('.csr'),
    '-out',
    f('.crt'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extfile',
    f('.ext'),
  );
  const files = { cert: path.join(dir, f('.crt')), key: path.join(dir, f('.key')) };
  return { cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key), files };
}
