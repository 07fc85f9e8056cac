import type { Command, Option } from "commander";
import { SUBCOMMAND_NAMES } from "../command-names.js";
import { usageError } from "../errors.js";
import { isFilterStart } from "../lib/ss-filter.js";

/**
 * Options typed before a subcommand (`tcpstat -N lab doctor`, `tcpstat --json summary`, as
 * people used to `ip -n NS ...` type them) mean what they mean after it: they are moved behind
 * the subcommand's name, in their long form, when the subcommand has the same option; else
 * the run is refused (exit 2) with a line naming the option and the command. Driven by the
 * option definitions alone, so every command, registered now or later, is covered.
 *
 *   tcpstat -tN lab --json summary --by port  ->  tcpstat summary --tcp --netns lab --json --by port
 *   tcpstat -o summary                        ->  tcpstat: -o (--timers) does not apply to summary ...
 */

/** Options whose meaning is the command's own (stats -a: every counter): never moved onto the root's namesake. */
const OWN_MEANING = new WeakSet<Option>();

/** Marks an option whose name another command uses for something else: typed before the command, it is refused. */
export function ownMeaning(option: Option): Option {
  OWN_MEANING.add(option);
  return option;
}

interface Typed {
  /** As typed: "-N", "--json", "--netns=lab". */
  flag: string;
  /** The root's option, or null for -h/--help. */
  option: Option | null;
  value?: string;
}

const isHelp = (flag: string) => flag === "-h" || flag === "--help";

/** The root options before the first operand, with the index of that operand (the command name); null when there is no command or an option is unknown (commander then says so). */
function leadingOptions(root: Command, args: readonly string[]): { typed: Typed[]; at: number } | null {
  const byLong = new Map(root.options.filter((o) => o.long).map((o) => [o.long!, o]));
  const byShort = new Map(root.options.filter((o) => o.short).map((o) => [o.short!, o]));
  const takes = (o: Option) => o.required || o.optional;
  // As commander reads an optional value (--watch [seconds]): the next word, unless it is an option or a command.
  const isCommand = (w: string) => w === "help" || (SUBCOMMAND_NAMES as readonly string[]).includes(w) || root.commands.some((c) => c.name() === w);
  const optionalValue = (next: string | undefined) => next !== undefined && !next.startsWith("-") && !isCommand(next);
  const typed: Typed[] = [];
  for (let i = 0; i < args.length; i++) {
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
      // An optional value (--watch [seconds]) is taken when the next word is not an option nor a command.
      else if (option.optional && optionalValue(args[i + 1])) typed.push({ flag: name, option, value: args[++i] });
      else typed.push({ flag: name, option });
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = `-${arg[j]}`;
        if (isHelp(flag)) {
          typed.push({ flag, option: null });
          continue;
        }
        const option = byShort.get(flag);
        if (!option) return null;
        if (!takes(option)) {
          typed.push({ flag, option });
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest !== "") typed.push({ flag, option, value: rest });
        else if (option.required || optionalValue(args[i + 1])) typed.push({ flag, option, value: args[++i] });
        else typed.push({ flag, option });
        break;
      }
      continue;
    }
    return { typed, at: i };
  }
  return null;
}

/** The command named after the leading options (`tcpstat -w stats`: stats), or undefined. */
export function leadingCommand(root: Command, args: readonly string[]): string | undefined {
  const found = leadingOptions(root, args);
  const name = found ? args[found.at] : undefined;
  return name !== undefined && (SUBCOMMAND_NAMES as readonly string[]).includes(name) ? name : undefined;
}

const named = (t: Typed) => (t.option?.long && t.option.long !== t.flag ? `${t.flag} (${t.option.long})` : t.flag);

/** The command line with the options typed before a subcommand moved behind its name; refuses those the subcommand does not take. */
export function placeOptions(root: Command, args: readonly string[]): string[] {
  const found = leadingOptions(root, args);
  if (!found || found.typed.length === 0) return [...args];
  const name = args[found.at]!;
  // The listing's own operands (ss's filter language): the options stay where they are.
  if (isFilterStart(name)) return [...args];
  const sub = root.commands.find((c) => c.name() === name || c.aliases().includes(name));
  // Not a command (`--watch soon`): commander and the command's own checks say what is wrong.
  if (!sub && name !== "help" && !(SUBCOMMAND_NAMES as readonly string[]).includes(name)) return [...args];
  const moved: string[] = [];
  for (const t of found.typed) {
    if (t.option === null) {
      moved.push("--help");
      continue;
    }
    const own = sub?.options.find((o) => o.long === t.option!.long);
    if (!sub) throw usageError(`${named(t)} does not apply to ${name}`, `tcpstat ${name} takes no options`);
    if (!own) throw usageError(`${named(t)} does not apply to ${name}`, `see tcpstat ${name} --help for its options`);
    if (OWN_MEANING.has(own) || OWN_MEANING.has(t.option))
      throw usageError(`${named(t)} means something else for ${name}: ${own.description}`, `type it after the command if that is what you want: tcpstat ${name} ${t.flag}`);
    moved.push(own.long!);
    if (t.value !== undefined) moved.push(t.value);
  }
  return [name, ...moved, ...args.slice(found.at + 1)];
}
