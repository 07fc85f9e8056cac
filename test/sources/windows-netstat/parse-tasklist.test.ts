import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { parseTasklist } from "../../../src/sources/windows-netstat/parse-tasklist.js";

const FIXTURES = new URL("../../../fixtures/windows-netstat/tasklist/", import.meta.url);

it("reads tasklist /fo csv /nh, quotes and commas in names included", () => {
  const { names, problems } = parseTasklist(readFileSync(new URL("tasklist-csv-nh.txt", FIXTURES), "utf8"));
  const expected = JSON.parse(readFileSync(new URL("tasklist-csv-nh.json", FIXTURES), "utf8")) as Record<string, string>;
  expect(problems).toEqual([]);
  expect(Object.fromEntries([...names].map(([pid, name]) => [String(pid), name]))).toEqual(expected);
});

it("skips a localized CSV header and reports a broken row", () => {
  const text = '"Nom de l\'image","PID","Nom de la session","Numéro de session","Utilisation de la mémoire"\n"svchost.exe","1072","Services","0","14 912 Ko"\n"broken"\n';
  const { names, problems } = parseTasklist(text);
  expect([...names]).toEqual([[1072, "svchost.exe"]]);
  expect(problems.map((p) => p.line)).toEqual([3]);
});
