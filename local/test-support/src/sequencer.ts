import { BaseSequencer, type TestSequencerConstructor, type TestSpecification } from 'vitest/node';

/**
 * A vitest sequencer that starts the named files first, then the rest in vitest's own order.
 *
 * vitest runs the files it holds timings for longest first, and the others largest first. A
 * fresh clone holds no timings, and our longest suites are short files that drive a whole local
 * cloud (a 22-line model-based test runs for half a minute on its own), so on a fresh clone they
 * started last and the run ended on them (the `test` package alone without timings: 130 s in
 * vitest's order, 118 s with its longest files named here). The list is a hint, not a contract: a
 * name that matches no file is ignored, and a file not named keeps vitest's order.
 *
 * @param first paths relative to the project's root, in the order they should start
 */
export function startFirst(first: readonly string[]): TestSequencerConstructor {
  return class StartFirst extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const sorted = await super.sort(files);
      const rank = (file: TestSpecification) => {
        const at = first.findIndex((name) => file.moduleId.endsWith(`/${name}`));
        return at === -1 ? first.length : at;
      };
      // Array.prototype.sort is stable: files of one rank keep vitest's order.
      return sorted.sort((a, b) => rank(a) - rank(b));
    }
  };
}
