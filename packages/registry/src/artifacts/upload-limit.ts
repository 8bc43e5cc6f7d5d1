/** The upload limit, enforced on the bytes as they stream in (a Content-Length can be absent or wrong). */
import { Transform } from 'node:stream';
import { RegistryError } from '../errors.js';

/** A pass-through stream that counts bytes and fails with RESOURCE_LIMIT_EXCEEDED past the limit. */
export class UploadLimit extends Transform {
  /** Bytes seen so far. */
  bytes = 0;

  constructor(relPath: string, limitBytes: number) {
    super({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.bytes += chunk.length;
        if (this.bytes > limitBytes) {
          callback(
            new RegistryError(
              'RESOURCE_LIMIT_EXCEEDED',
              `Artifact '${relPath}' is larger than the upload limit of ${limitBytes} bytes`,
            ),
          );
          return;
        }
        callback(null, chunk);
      },
    });
  }
}
