// Certificates for the kube-apiserver and its two identities, made with the openssl CLI.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './process.js';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
  adminCert: string;
  adminKey: string;
  restrictedCert: string;
  restrictedKey: string;
}

const OPENSSL = '/usr/bin/openssl';

async function ecKey(file: string): Promise<void> {
  await run(OPENSSL, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

async function signedCert(
  pki: { dir: string; caCert: string; caKey: string },
  name: string,
  subject: string,
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const key = path.join(pki.dir, `${name}.key`);
  const csr = path.join(pki.dir, `${name}.csr`);
  const cert = path.join(pki.dir, `${name}.crt`);
  const ext = path.join(pki.dir, `${name}.ext`);
  await ecKey(key);
  await run(OPENSSL, ['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  writeFileSync(ext, extensions);
  await run(OPENSSL, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-CAcreateserial',
    '-days',
    '7',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/**
 * A throwaway CA and the certificates the API server needs: serving cert for 127.0.0.1,
 * service-account key pair, and two client certs: admin (O=system:masters) and
 * `restricted` (no group: only what its Role allows).
 */
export async function createPki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true });
  const caKey = path.join(dir, 'ca.key');
  const caCert = path.join(dir, 'ca.crt');
  await ecKey(caKey);
  await run(OPENSSL, [
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=tkn-artifacts-test-ca',
    '-days',
    '7',
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    caCert,
  ]);
  const ca = { dir, caCert, caKey };
  const server = await signedCert(
    ca,
    'apiserver',
    '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,' +
      'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1\n',
  );
  const clientExt =
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  const admin = await signedCert(ca, 'admin', '/O=system:masters/CN=tkn-artifacts-test-admin', clientExt);
  const restricted = await signedCert(ca, 'restricted', '/CN=restricted', clientExt);
  const saKey = path.join(dir, 'sa.key');
  const saPub = path.join(dir, 'sa.pub');
  await ecKey(saKey);
  await run(OPENSSL, ['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  return {
    dir,
    caCert,
    caKey,
    serverCert: server.cert,
    serverKey: server.key,
    saKey,
    saPub,
    adminCert: admin.cert,
    adminKey: admin.key,
    restrictedCert: restricted.cert,
    restrictedKey: restricted.key,
  };
}
