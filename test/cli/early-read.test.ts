import { describe, expect, it } from "vitest";
import { earlySs, earlyTables } from "../../src/early-read.js";

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

describe("earlySs: ss begun before the CLI loads for -i's table without owners", () => {
  it("begins ss for -i --no-owners as a table, with the filters that keep it on ss alone", () => {
    for (const args of [
      ["-i", "--no-owners"],
      ["--no-owners", "-ti"],
      ["-i", "--no-owners", "-a", "-H", "--state", "established"],
      ["-i", "--no-owners", "--port", "443", "--color", "never"],
      ["-i", "--no-owners", "state", "established", "dport", "=", ":443"],
    ])
      expect(earlySs(args), args.join(" ")).toBe(true);
  });

  it("begins nothing for owners, another format, timers, UDP, another source or place, or another command", () => {
    for (const args of [
      ["-i"],
      ["--no-owners"],
      ["-i", "--no-owners", "--json"],
      ["-i", "--no-owners", "--format", "csv"],
      ["-i", "--no-owners", "-o"],
      ["-i", "--no-owners", "-u"],
      ["-i", "--no-owners", "-e"],
      ["-i", "--no-owners", "--pid", "1"],
      ["-i", "--no-owners", "--who"],
      ["-i", "--no-owners", "--source", "linux-ss"],
      ["-i", "--no-owners", "-N", "all"],
      ["-i", "--no-owners", "--input", "capture.txt"],
      ["-i", "--no-owners", "--watch"],
      ["-i", "--no-owners", "-v"],
      ["-i", "--no-owners", "--help"],
      ["summary", "-i", "--no-owners"],
      ["top", "--no-owners"],
      ["-i", "--no-owners", "--bogus"],
    ])
      expect(earlySs(args), args.join(" ")).toBe(false);
  });
});
