import { LESSONS, type Lesson, type LessonName } from "../../model/report.js";
import type { Lang } from "../states/index.js";
import { en } from "./en.js";
import { fr } from "./fr.js";
import { LESSON_SHAPES } from "./shape.js";
import type { LessonLanguage } from "./types.js";
import { zh } from "./zh.js";

/** The lessons' words in each language (their shapes are in shape.ts). */
export const LESSON_LANGUAGES: Readonly<Record<Lang, LessonLanguage>> = { en, zh, fr };

/** Other words for the lessons: "three-way-handshake" is the handshake, "four-way-close" the teardown. */
const LESSON_WORDS: Readonly<Record<string, LessonName>> = {
  handshake: "handshake",
  "three-way-handshake": "handshake",
  "3-way-handshake": "handshake",
  teardown: "teardown",
  "four-way-close": "teardown",
  "four-way-handshake": "teardown",
};

/** The lesson a word names ("Handshake", "four_way_close"), or undefined. */
export function lessonNamed(word: string): LessonName | undefined {
  return LESSON_WORDS[word.toLowerCase().replace(/_/g, "-")];
}

export { LESSONS };

/** A lesson as JSON (LessonSchema): the shape's segments and states with one language's words. */
export function buildLesson(name: LessonName, lang: Lang): Lesson {
  const shape = LESSON_SHAPES[name];
  const text = LESSON_LANGUAGES[lang].lessons[name];
  return {
    lesson: name,
    lang,
    title: text.title,
    summary: text.summary,
    sides: shape.sides.map((s) => ({ role: s.role, name: text.sides[s.role]!.name, states: [...s.states], text: text.sides[s.role]!.text })),
    segments: shape.segments.map((s, i) => ({ n: i + 1, ...s, text: text.segments[i]! })),
    sections: shape.topics.map((topic) => ({ topic, ...text.sections[topic]! })),
  };
}
