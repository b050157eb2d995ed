import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bytesToHex, keccak256, toHex } from "viem";
import {
  ArtifactFetchError,
  ArtifactHashMismatchError,
  UnsupportedUriError,
  fetchArtifact,
  resolveFileUri,
} from "../../sdk/src/operator/index.js";
import { loadIrisOnnx } from "../../sdk/src/model/iris.js";
import { ROOT } from "./helpers.js";

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("operator fetchArtifact", function () {
  const onnx = loadIrisOnnx();
  const hash = keccak256(onnx);
  let server: Server;
  let base: string;

  before(async function () {
    server = createServer((req, res) => {
      if (req.url === "/iris.onnx") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(Buffer.from(onnx));
      } else if (req.url === "/slow") {
        setTimeout(() => res.end("late"), 2_000).unref();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("reads file: URIs relative to the model directory, and absolute ones", async function () {
    expect(await fetchArtifact({ uri: "file:models/iris-mlp.onnx", baseDir: ROOT, expectedHash: hash })).to.deep.equal(onnx);
    const absolute = path.join(ROOT, "models/iris-mlp.onnx");
    expect(await fetchArtifact({ uri: `file:${absolute}`, expectedHash: hash })).to.deep.equal(onnx);
    expect(await fetchArtifact({ uri: pathToFileURL(absolute).href, expectedHash: hash })).to.deep.equal(onnx);
    expect(resolveFileUri("file:models/x.onnx", "/srv/verity")).to.equal("/srv/verity/models/x.onnx");
  });

  it("fetches http: URIs and checks the hash of what came back", async function () {
    expect(await fetchArtifact({ uri: `${base}/iris.onnx`, expectedHash: hash })).to.deep.equal(onnx);
    const err = await rejection(fetchArtifact({ uri: `${base}/iris.onnx`, expectedHash: keccak256(toHex("other")) }));
    expect(err).to.be.instanceOf(ArtifactHashMismatchError);
    expect((err as ArtifactHashMismatchError).actual).to.equal(hash);
  });

  it("decodes base64 and percent-encoded data: URIs", async function () {
    const b64 = `data:application/octet-stream;base64,${Buffer.from(onnx).toString("base64")}`;
    expect(await fetchArtifact({ uri: b64, expectedHash: hash })).to.deep.equal(onnx);
    expect(bytesToHex(await fetchArtifact({ uri: "data:,hello%20world" }))).to.equal(toHex("hello world"));
  });

  it("refuses a file whose bytes are not the committed ones, naming both hashes", async function () {
    const wrong = keccak256(toHex("not the model file"));
    const err = await rejection(fetchArtifact({ uri: "file:models/iris-mlp.onnx", baseDir: ROOT, expectedHash: wrong }));
    expect(err).to.be.instanceOf(ArtifactHashMismatchError);
    expect(err.message).to.include(wrong).and.to.include(hash);
  });

  it("fails with a clear error on a missing file, an HTTP error, a timeout, a size limit or an unsupported scheme", async function () {
    const missing = await rejection(fetchArtifact({ uri: "file:models/nope.onnx", baseDir: ROOT }));
    expect(missing).to.be.instanceOf(ArtifactFetchError);
    expect(missing.message).to.include("ENOENT");
    const notFound = await rejection(fetchArtifact({ uri: `${base}/nope` }));
    expect(notFound).to.be.instanceOf(ArtifactFetchError);
    expect(notFound.message).to.include("HTTP 404");
    const slow = await rejection(fetchArtifact({ uri: `${base}/slow`, timeoutMs: 100 }));
    expect(slow).to.be.instanceOf(ArtifactFetchError);
    expect(slow.message).to.include("no answer within 100 ms");
    const big = await rejection(fetchArtifact({ uri: `${base}/iris.onnx`, maxBytes: 100 }));
    expect(big).to.be.instanceOf(ArtifactFetchError);
    expect(big.message).to.include("limit of 100");
    expect(await rejection(fetchArtifact({ uri: "ipfs://bafy/model.onnx" }))).to.be.instanceOf(UnsupportedUriError);
    // Inputs come from requesters: the node never lets them name a local file.
    const local = await rejection(fetchArtifact({ uri: "file:/etc/hostname", allowedSchemes: ["https", "http", "data"] }));
    expect(local).to.be.instanceOf(UnsupportedUriError);
  });
});
