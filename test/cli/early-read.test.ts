import { describe, expect, it } from "vitest";
import { earlyTables } from "../../src/early-read.js";

/**
 * The bin starts reading the socket tables before the CLI loads only when the command line
 * says for sure that the run reads them without owners (src/early-read.ts), read as commander
 * reads it; which tables follow -t/-u as the filter options read them. Anything else starts nothing.
 */
describe("earlyTables: the guess made before the CLI loads", () => {
  it("reads ahead for summary and for --no-owners listings, with the tables -t and -u name", () => {
    expect(earlyTables(["summary"])).toEqual(["tcp", "tcp6"]);
    expect(earlyTables(["summary", "--by", "port", "--json"])).toEqual(["tcp", "tcp6"]);
    expect(earlyTables(["--no-owners", "--json"])).toEqual(["tcp", "tcp6"]);
    expect(earlyTables(["-tu", "--no-owners", "--ndjson", "--state", "established"])).toEqual(["tcp", "tcp6", "udp", "udp6"]);
    expect(earlyTables(["summary", "-u"])).toEqual(["udp", "udp6"]);
    expect(earlyTables(["summary", "--udp", "--tcp", "-4"])).toEqual(["tcp", "tcp6", "udp", "udp6"]);
  });

  it("starts nothing where owners, another source, a namespace, help or another command may follow", () => {
    for (const args of [
      [],
      ["-t", "--json"],
      ["summary", "--by", "process"],
      ["summary", "--by=process"],
      ["--no-owners", "--pid", "1"],
      ["--no-owners", "--process=nginx"],
      ["summary", "--input", "capture.txt"],
      ["summary", "--source", "linux-ss"],
      ["summary", "-N", "all"],
      ["-tN", "1", "--no-owners"],
      ["summary", "--netns=all"],
      ["summary", "--watch"],
      ["summary", "-c", "2"],
      ["summary", "--help"],
      ["--no-owners", "-h"],
      ["explain", "summary"],
      ["doctor"],
      ["metrics", "--no-owners"],
      ["serve"],
      ["--", "summary"],
    ])
      expect(earlyTables(args), args.join(" ")).toBeNull();
  });

  it("takes summary only as the command, not as an option's value", () => {
    expect(earlyTables(["--process", "summary"])).toBeNull();
    // --state takes one word: commander runs summary here (--state listen moved behind it), and so reads the tables.
    expect(earlyTables(["--state", "listen", "summary"])).toEqual(["tcp", "tcp6"]);
  });
});
