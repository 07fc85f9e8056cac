/**
 * The `format` file of a trace event (tracefs events/SYSTEM/NAME/format): where each field
 * sits in the binary record that trace_pipe_raw hands out.
 *
 *   name: inet_sock_set_state
 *   ID: 2287
 *   format:
 *   	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
 *   	field:const void * skaddr;	offset:8;	size:8;	signed:0;
 *   	field:__u8 saddr[4];	offset:32;	size:4;	signed:0;
 *
 *   -> { name: "inet_sock_set_state", id: 2287, fields: Map { "common_type" => { offset: 0, size: 2, signed: false }, ... } }
 *
 * The same layout describes events/header_page (the ring buffer page header).
 */

export interface FieldLayout {
  offset: number;
  size: number;
  signed: boolean;
}

export interface EventFormat {
  name: string;
  id: number;
  fields: Map<string, FieldLayout>;
}

const FIELD = /^\s*field:\s*(.+?);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d);)?/;

/** The C declaration's name: "const void * skaddr" -> skaddr, "__u8 saddr[4]" -> saddr. */
function fieldName(declaration: string): string {
  const match = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?\s*$/.exec(declaration);
  return match ? match[1]! : declaration;
}

export function parseEventFormat(text: string): EventFormat {
  let name = "";
  let id = -1;
  const fields = new Map<string, FieldLayout>();
  for (const line of text.split("\n")) {
    if (line.startsWith("name:")) name = line.slice(5).trim();
    else if (line.startsWith("ID:")) id = Number(line.slice(3).trim());
    else {
      const m = FIELD.exec(line);
      if (m) fields.set(fieldName(m[1]!), { offset: Number(m[2]), size: Number(m[3]), signed: m[4] === "1" });
    }
  }
  return { name, id, fields };
}

/** A field the decoder needs, or an error naming the event and the field. */
export function requireField(format: EventFormat, field: string): FieldLayout {
  const layout = format.fields.get(field);
  if (!layout) throw new Error(`trace event ${format.name} has no field '${field}' in its format file`);
  return layout;
}
