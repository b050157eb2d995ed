import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { expect } from "chai";
import * as verity from "../../sdk/src/index.js";

const SDK = join(import.meta.dirname, "..", "..", "sdk", "src");

/** Every module reachable from `entry` by static imports: relative files and bare package names. */
function importGraph(entry: string) {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    // Static `import ... from "x"` and `export ... from "x"` (type-only imports are erased, so skipped).
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe("the `verity` entry (sdk/src/index.ts)", function () {
  it("loads no Node-only module, ONNX Runtime or snarkjs, so a browser dApp can import it", function () {
    const { files, packages } = importGraph(join(SDK, "index.ts"));
    expect(files.size, "the import scan found the SDK's modules").to.be.above(30);
    expect(packages).to.include("viem");
    // Besides viem, only OpenZeppelin's merkle-tree core (pure JavaScript, no Node built-in, no install script): the
    // BATCH mode's receipts are its StandardMerkleTree leaves, as the contracts' MerkleProof checks them.
    const allowed = ["viem", "viem/actions", "viem/utils", "viem/accounts", "@openzeppelin/merkle-tree/dist/core.js"];
    expect([...packages].filter((p) => !allowed.includes(p))).to.deep.equal([]);
    const reached = [...files].map((f) => f.slice(SDK.length + 1));
    expect(reached.filter((f) => /^(operator|cli|model)\//.test(f) || f.includes("zk"))).to.deep.equal([]);
  });

  it("re-exports every action, each with its Parameters, ReturnType and ErrorType and a JSDoc example", function () {
    const actions = readdirSync(join(SDK, "actions")).map((f) => f.replace(/\.ts$/, ""));
    const index = readFileSync(join(SDK, "index.ts"), "utf8");
    for (const name of actions) {
      expect(verity, name).to.have.property(name).that.is.a("function");
      const Type = name[0]!.toUpperCase() + name.slice(1);
      const source = readFileSync(join(SDK, "actions", `${name}.ts`), "utf8");
      for (const suffix of ["Parameters", "ReturnType", "ErrorType"]) {
        expect(source, `${name}.ts exports ${Type}${suffix}`).to.match(new RegExp(`export type ${Type}${suffix}\\b`));
        expect(index, `index.ts re-exports ${Type}${suffix}`).to.include(`type ${Type}${suffix},`);
      }
      expect(source, `${name}.ts has a JSDoc @example`).to.include("@example");
    }
  });

  it("binds every action in verityActions", function () {
    const bound = verity.verityActions({ hub: "0x00000000000000000000000000000000000000aa" })(
      {} as Parameters<ReturnType<typeof verity.verityActions>>[0],
    );
    const actions = readdirSync(join(SDK, "actions")).map((f) => f.replace(/\.ts$/, ""));
    expect(Object.keys(bound).sort()).to.deep.equal(actions.sort());
  });
});
