import type { LessonName } from "../../model/report.js";
import type { Role } from "./shape.js";

/** A lesson's words in one language; the order of segments and topics is the shape's (shape.ts). */
export interface LessonText {
  title: string;
  summary: string;
  sides: Partial<Record<Role, { name: string; text: string }>>;
  /** One sentence per segment, in order. */
  segments: readonly string[];
  sections: Readonly<Record<string, { heading: string; text: string }>>;
  /** Under the ladder: what happens after the last segment (TIME_WAIT's wait), or "". */
  after: string;
}

export interface LessonLabels {
  segments: string;
  /** The heading over each side's path of states. */
  path: string;
}

export interface LessonLanguage {
  labels: LessonLabels;
  lessons: Readonly<Record<LessonName, LessonText>>;
}
