import type { Command, Option } from "commander";
import { SUBCOMMAND_NAMES } from "../command-names.js";
import { usageError } from "../errors.js";
import { readLeadingOptions, type Typed } from "../lib/command-line.js";
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

/** The root options before the first operand, with the index of that operand (the command name); null when there is no command or an option is unknown (commander then says so). */
function leadingOptions(root: Command, args: readonly string[]): { typed: Array<Typed<Option>>; at: number } | null {
  // As commander reads an optional value (--watch [seconds]): the next word, unless it is an option or a command.
  const isCommand = (w: string) => w === "help" || (SUBCOMMAND_NAMES as readonly string[]).includes(w) || root.commands.some((c) => c.name() === w);
  const found = readLeadingOptions(root.options, args, isCommand);
  return found && found.at < args.length ? found : null;
}

/** The command named after the leading options (`tcpstat -c stats`: stats), or undefined. */
export function leadingCommand(root: Command, args: readonly string[]): string | undefined {
  const found = leadingOptions(root, args);
  const name = found ? args[found.at] : undefined;
  return name !== undefined && (SUBCOMMAND_NAMES as readonly string[]).includes(name) ? name : undefined;
}

const named = (t: Typed<Option>) => (t.option?.long && t.option.long !== t.flag ? `${t.flag} (${t.option.long})` : t.flag);

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
