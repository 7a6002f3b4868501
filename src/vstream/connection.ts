import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { VSTREAM_METHOD_PATH, encodeVStreamRequest, type Init, type VStreamRequest } from './proto.js';
import { VStreamError } from './errors.js';

export interface VtgateTlsOptions {
  /** PEM file of the CA that signed vtgate's certificate; the system roots when absent. */
  caFile?: string;
  /** PEM client certificate and key, for vtgates that require mTLS (`--grpc-ca`). */
  certFile?: string;
  keyFile?: string;
  /** Name to verify vtgate's certificate against, when it differs from the address's host. */
  serverName?: string;
  /** Accept any server certificate. Only for throw-away environments: logged loudly at every connect. */
  insecureSkipVerify?: boolean;
}

export interface VtgateConnectionOptions {
  /** vtgate gRPC address, host:port. */
  address: string;
  /** TLS settings; plaintext when absent. */
  tls?: VtgateTlsOptions;
  /** Static auth (`--grpc-auth-mode=static`): sent as per-call `username`/`password` metadata. */
  auth?: { username: string; password: string };
  /** Extra call metadata, e.g. for a proxy in front of vtgate. */
  metadata?: Record<string, string>;
  /** Keepalive ping interval; vtgate answers pings more often than ~10 s with GOAWAY (too_many_pings). */
  keepaliveMs?: number;
  /** Largest message we accept; gRPC's 4 MiB default is too small for big rows and copy batches. */
  maxReceiveMessageBytes?: number;
  /** How long to wait for the channel to connect before failing the attempt. */
  connectTimeoutMs?: number;
  /** Receives the loud warning about insecureSkipVerify. */
  warn?: (message: string) => void;
}

export const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 64 * 1024 * 1024;
export const MIN_KEEPALIVE_MS = 10_000;
const DEFAULT_KEEPALIVE_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new VStreamError(
      `cannot read the vtgate TLS ${what} file ${file}: ${(err as Error).message}`,
      'request',
      false,
      undefined,
      { cause: err },
    );
  }
}

/**
 * A client certificate vtgate would refuse for its dates is refused here, with the reason: vtgate's TLS alert
 * reaches a gRPC client only as "failed to connect", indistinguishable from a network problem (retried forever).
 */
function checkClientCertificate(pem: Buffer, file: string, now = Date.now()): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (err) {
    throw new VStreamError(
      `the vtgate TLS client certificate ${file} is not a PEM certificate: ${(err as Error).message}`,
      'tls',
      false,
      undefined,
      { cause: err },
    );
  }
  if (Date.parse(certificate.validTo) < now) {
    throw new VStreamError(
      `the vtgate TLS client certificate ${file} expired on ${certificate.validTo}; vtgate refuses it. ` +
        'Renew it (source.vtgate.tls.certFile).',
      'tls',
      false,
    );
  }
  if (Date.parse(certificate.validFrom) > now) {
    throw new VStreamError(
      `the vtgate TLS client certificate ${file} is not valid before ${certificate.validFrom}; check the clocks ` +
        'or the certificate (source.vtgate.tls.certFile).',
      'tls',
      false,
    );
  }
}

function channelCredentials(options: VtgateConnectionOptions): grpc.ChannelCredentials {
  const tls = options.tls;
  if (!tls) return grpc.credentials.createInsecure();
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new VStreamError('vtgate TLS: certFile and keyFile go together (mTLS)', 'request', false);
  }
  const ca = tls.caFile ? readFile(tls.caFile, 'CA') : null;
  const key = tls.keyFile ? readFile(tls.keyFile, 'key') : null;
  const cert = tls.certFile ? readFile(tls.certFile, 'certificate') : null;
  if (cert && tls.certFile) checkClientCertificate(cert, tls.certFile);
  if (tls.insecureSkipVerify) {
    (options.warn ?? ((m: string) => process.emitWarning(m)))(
      `TLS verification of vtgate ${options.address} is DISABLED (insecureSkipVerify): anyone on the path can ` +
        'read and alter the change stream. Never use this in production.',
    );
    return grpc.credentials.createSsl(ca, key, cert, {
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
  }
  return grpc.credentials.createSsl(ca, key, cert);
}

/**
 * A gRPC channel to one vtgate, configured the way VStream needs it: large receive limit, polite keepalive,
 * per-call static credentials (also over plaintext, which `createFromMetadataGenerator` would not do).
 */
export class VtgateConnection {
  private readonly client: grpc.Client;
  readonly address: string;

  constructor(private readonly options: VtgateConnectionOptions) {
    this.address = options.address;
    const keepaliveMs = options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (keepaliveMs < MIN_KEEPALIVE_MS) {
      throw new VStreamError(
        `keepaliveMs ${keepaliveMs} is below ${MIN_KEEPALIVE_MS}: vtgate would close the connection (too_many_pings)`,
        'request',
        false,
      );
    }
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': keepaliveMs,
      'grpc.keepalive_timeout_ms': 20_000,
      // No pings without an active call: vtgate's enforcement policy forbids them.
      'grpc.keepalive_permit_without_calls': 0,
      'grpc.primary_user_agent': 'vstream-relay',
    };
    if (options.tls?.serverName) channelOptions['grpc.ssl_target_name_override'] = options.tls.serverName;
    this.client = new grpc.Client(options.address, channelCredentials(options), channelOptions);
  }

  /** Resolves once the channel is connected; rejects (retryable) after connectTimeoutMs. */
  async waitForReady(): Promise<void> {
    const deadline = Date.now() + (this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    await new Promise<void>((resolve, reject) =>
      this.client.waitForReady(deadline, (err) =>
        err
          ? reject(
              new VStreamError(
                `cannot connect to vtgate ${this.address}: ${err.message}`,
                'unavailable',
                true,
                grpc.status.UNAVAILABLE,
                { cause: err },
              ),
            )
          : resolve(),
      ),
    );
  }

  /** Call metadata for one VStream call: static credentials plus any configured headers. */
  callMetadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(this.options.metadata ?? {})) metadata.add(key, value);
    if (this.options.auth) {
      metadata.set('username', this.options.auth.username);
      metadata.set('password', this.options.auth.password);
    }
    return metadata;
  }

  /**
   * Starts a VStream call. Responses are handed out undecoded (Buffer) so the reader can count bytes for
   * backpressure and decode on the consumer's schedule.
   */
  openVStream(request: Init<VStreamRequest>): grpc.ClientReadableStream<Buffer> {
    return this.client.makeServerStreamRequest<Init<VStreamRequest>, Buffer>(
      VSTREAM_METHOD_PATH,
      encodeVStreamRequest,
      (bytes) => bytes,
      request,
      this.callMetadata(),
    );
  }

  close(): void {
    this.client.close();
  }
}
