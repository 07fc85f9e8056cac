/**
 * Reading a command line by commander's option definitions, the words one at a time as
 * commander reads them: `--name`, `--name=value`, `--name value`, clusters of short flags
 * (`-tN lab`, `-NNS` is -N with the value NS), an optional value (`--watch [seconds]`) taken
 * when the next word is neither an option nor a command. Two callers: src/commands/placement.ts,
 * over the Options commander holds, moves the options typed before a subcommand behind it;
 * src/start.ts, before the CLI has loaded, reads the whole line over the same definitions
 * (src/cli-options.ts, written from commander's) to decide what the run may start early.
 *
 *   readCommandLine(CLI_OPTIONS, ["-tN", "lab", "summary", "--by=port"])
 *     -> { command: "summary", opts: { tcp: true, netns: "lab", by: "port" } }
 */

/** How commander reads an option's words: the fields of commander's Option that say so. */
export interface OptionShape {
  short?: string;
  long?: string;
  /** `<value>`: the next word (or the rest of the word) is its value. */
  required: boolean;
  /** `[value]`: a value if one follows. */
  optional: boolean;
  /** `--no-name`: sets name to false. */
  negate: boolean;
}

export interface Typed<O extends OptionShape> {
  /** As typed: "-N", "--json", "--netns" (of "--netns=lab"). */
  flag: string;
  /** Its option, or null for -h/--help (commander's own, in no list of options). */
  option: O | null;
  value?: string;
}

/** commander's option flags ("-N, --netns <ns>", "--no-owners") as commander reads them (its splitOptionFlags). */
export function optionShape(flags: string): OptionShape {
  const words = flags.split(/[ |,]+/);
  const short = /^-[^-]$/.test(words[0] ?? "") ? words.shift() : undefined;
  const long = /^--[^-]/.test(words[0] ?? "") ? words.shift() : undefined;
  return { short, long, required: flags.includes("<"), optional: flags.includes("["), negate: long?.startsWith("--no-") ?? false };
}

const isHelp = (flag: string) => flag === "-h" || flag === "--help";

/**
 * The options from args[from] up to the first operand, which is `at` (args.length when none
 * follows); null at an unknown option or `--` (commander then says what is wrong, or reads
 * on as it alone knows). `isCommand` says which words end an optional value.
 */
export function readLeadingOptions<O extends OptionShape>(
  options: readonly O[],
  args: readonly string[],
  isCommand: (word: string) => boolean,
  from = 0,
): { typed: Array<Typed<O>>; at: number } | null {
  const byLong = new Map(options.filter((o) => o.long).map((o) => [o.long!, o]));
  const byShort = new Map(options.filter((o) => o.short).map((o) => [o.short!, o]));
  const optionalValue = (next: string | undefined) => next !== undefined && !next.startsWith("-") && !isCommand(next);
  const typed: Array<Typed<O>> = [];
  let i = from;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return null;
    if (isHelp(arg)) {
      typed.push({ flag: arg, option: null });
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg : arg.slice(0, eq);
      const option = byLong.get(name);
      if (!option) return null;
      if (eq >= 0) typed.push({ flag: name, option, value: arg.slice(eq + 1) });
      else if (option.required) typed.push({ flag: name, option, value: args[++i] });
      else if (option.optional && optionalValue(args[i + 1])) typed.push({ flag: name, option, value: args[++i] });
      else typed.push({ flag: name, option });
      continue;
    }
    if (!arg.startsWith("-") || arg.length === 1) break;
    for (let j = 1; j < arg.length; j++) {
      const flag = `-${arg[j]}`;
      if (isHelp(flag)) {
        typed.push({ flag, option: null });
        continue;
      }
      const option = byShort.get(flag);
      if (!option) return null;
      if (!option.required && !option.optional) {
        typed.push({ flag, option });
        continue;
      }
      const rest = arg.slice(j + 1);
      if (rest !== "") typed.push({ flag, option, value: rest });
      else if (option.required || optionalValue(args[i + 1])) typed.push({ flag, option, value: args[++i] });
      else typed.push({ flag, option });
      break;
    }
  }
  return { typed, at: i };
}

/** The CLI's options by command, as commander's flags: `root` the listing's, then each subcommand's. */
export interface OptionTable {
  root: readonly string[];
  commands: Readonly<Record<string, readonly string[]>>;
}

/** What a command line says, as commander would hand it over: the command (undefined: the listing) and its options by attribute name. */
export interface CommandLine {
  command: string | undefined;
  opts: Readonly<Record<string, string | boolean>>;
}

/** commander's name for an option's value: --netns-limit -> netnsLimit, --no-owners -> owners. */
const attributeName = (long: string) => long.replace(/^--(no-)?/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The whole command line read over the table, options typed before a subcommand counting as
 * the subcommand's (as placement.ts moves them); the last value of a repeated option. Null
 * where the run will not get past commander's parse as read (an unknown option, one the
 * subcommand does not take) or where this reading is not sure (`--`).
 */
export function readCommandLine(table: OptionTable, args: readonly string[]): CommandLine | null {
  const isCommand = (word: string) => word === "help" || Object.hasOwn(table.commands, word);
  const root = table.root.map(optionShape);
  const lead = readLeadingOptions(root, args, isCommand);
  if (!lead) return null;
  const name = args[lead.at];
  const command = name !== undefined && isCommand(name) ? name : undefined;
  const own = command === undefined ? root : command === "help" ? [] : table.commands[command]!.map(optionShape);
  const opts: Record<string, string | boolean> = {};
  const take = (typed: ReadonlyArray<Typed<OptionShape>>): boolean => {
    for (const t of typed) {
      if (t.option === null) opts.help = true;
      else {
        const long = t.option.long ?? t.option.short!;
        // Before a subcommand: its option of the same name, or the run is refused.
        if (command !== undefined && !own.some((o) => o.long === long)) return false;
        opts[attributeName(long)] = t.value ?? !t.option.negate;
      }
    }
    return true;
  };
  if (!take(lead.typed)) return null;
  // The words after: options and operands (the listing's filter, a command's arguments) in any order.
  for (let at = command === undefined ? lead.at : lead.at + 1; at < args.length; at++) {
    const next = readLeadingOptions(own, args, () => false, at);
    if (!next || !take(next.typed)) return null;
    at = next.at;
  }
  return { command, opts };
}
