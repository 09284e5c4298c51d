// The 'string_decoder' builtin: decodes byte chunks without splitting multi-byte characters.

const { Buffer } = internalRequire('buffer');
const { TextDecoder } = internalRequire('encoding');

class StringDecoder {
  constructor(encoding = 'utf8') {
    const normalized = `${encoding}`.toLowerCase().replace('-', '');
    if (!Buffer.isEncoding(normalized)) {
      const error = new TypeError(`Unknown encoding: ${encoding}`);
      error.code = 'ERR_UNKNOWN_ENCODING';
      throw error;
    }
    this.encoding = normalized === 'utf8' ? 'utf8' : normalized;
    this.pending = null;
    if (this.encoding === 'utf8' || this.encoding === 'utf16le' || this.encoding === 'ucs2') {
      this.decoder = new TextDecoder(this.encoding === 'utf8' ? 'utf-8' : 'utf-16le', { ignoreBOM: true });
    }
  }
  write(buf) {
    if (typeof buf === 'string') return buf;
    if (this.decoder) return this.decoder.decode(buf, { stream: true });
    const unit = this.encoding === 'base64' || this.encoding === 'base64url' ? 3 : 1;
    let bytes = Buffer.from(buf);
    if (this.pending !== null) {
      bytes = Buffer.concat([this.pending, bytes]);
      this.pending = null;
    }
    const usable = bytes.length - (bytes.length % unit);
    if (usable < bytes.length) this.pending = bytes.subarray(usable);
    return bytes.toString(this.encoding, 0, usable);
  }
  end(buf) {
    let out = buf === undefined ? '' : this.write(buf);
    if (this.decoder) {
      out += this.decoder.decode();
    } else if (this.pending !== null) {
      out += this.pending.toString(this.encoding);
      this.pending = null;
    }
    return out;
  }
}

exports.StringDecoder = StringDecoder;
