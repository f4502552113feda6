// The one platform API sync-core uses: WebCrypto's digest and random bytes, identical in browsers,
// service workers and Node 20+. Declared here so the package compiles without DOM or Node type libraries.
declare const crypto: {
  subtle: { digest(algorithm: "SHA-256", data: Uint8Array): Promise<ArrayBuffer> };
  getRandomValues<T extends Uint8Array>(array: T): T;
};
declare class TextEncoder {
  encode(input: string): Uint8Array;
}
