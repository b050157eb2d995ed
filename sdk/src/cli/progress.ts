/**
 * Progress on stderr for long steps: an animated spinner on a terminal; plain lines (one per step) when stderr
 * is not a terminal (logs, CI); nothing at all with `--json`, so stdout and stderr stay machine-readable.
 */
export type ProgressMode = "tty" | "lines" | "off";

export type Writer = { write(chunk: string): unknown };

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export class Spinner {
  #mode: ProgressMode;
  #out: Writer;
  #text = "";
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: Writer, mode: ProgressMode) {
    this.#out = out;
    this.#mode = mode;
  }

  /** Starts (or moves on to) a step. */
  start(text: string): this {
    this.#text = text;
    if (this.#mode === "lines") this.#out.write(`${text}...\n`);
    if (this.#mode === "tty") {
      this.#draw();
      this.#timer ??= setInterval(() => this.#draw(), 100);
      this.#timer.unref?.();
    }
    return this;
  }

  /** Changes the text of the current step (a terminal only: no new line in logs). */
  update(text: string): void {
    this.#text = text;
  }

  /** Ends the step; `final` is printed as a line in place of the spinner (terminal and logs). */
  stop(final?: string): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#mode === "tty") this.#out.write("\r\x1b[K");
    if (final !== undefined && this.#mode !== "off") this.#out.write(`${final}\n`);
  }

  #draw(): void {
    this.#frame = (this.#frame + 1) % FRAMES.length;
    this.#out.write(`\r\x1b[K${FRAMES[this.#frame]} ${this.#text}`);
  }
}
