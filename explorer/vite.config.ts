// No imports: the same config builds the explorer in this repository (scripts/build-explorer.ts) and in a project
// that installed verity-inference from its tarball (test/explorer), where only the project's own packages resolve.
// `base: "./"` makes every asset URL relative, so the built folder is served from any path, or opened from disk.
export default {
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", reportCompressedSize: false, chunkSizeWarningLimit: 1024 },
};
