/**
 * Where real QStash answers more loosely than a tidy reading of its docs, the emulator answers as
 * QStash does, by default: a server proven only against tidy answers fails in production while
 * every test passes. Each quirk can be switched off for a test that needs the tidy version; each
 * names where the behaviour is documented (see docs/qstash-uncertain.md).
 */
export interface Quirks {
  /** Answers leave out zero counts, false flags and empty lists (qstash-js commit 0a003f6). */
  omitEmpty: boolean;
  /** Lists come newest first (the removed `order` option defaulted to latestFirst). */
  newestFirst: boolean;
  /** `workflowRunId` on the bulk endpoints matches a prefix ("Run ID or ID prefix"). */
  runIdPrefix: boolean;
  /** Flow-control actions answer 200 for a key QStash does not know (only 200 and 400 are documented). */
  unknownFlowKeyOk: boolean;
  /** Delete by ids counts what it deleted; resume by ids acts on the ids found and still answers 404. */
  partialIdBatches: boolean;
}

export const REALISTIC_QUIRKS: Quirks = {
  omitEmpty: true,
  newestFirst: true,
  runIdPrefix: true,
  unknownFlowKeyOk: true,
  partialIdBatches: true,
};

/** Every quirk off: the emulator as this project first read the docs. */
export const TIDY_QUIRKS: Quirks = {
  omitEmpty: false,
  newestFirst: false,
  runIdPrefix: false,
  unknownFlowKeyOk: false,
  partialIdBatches: false,
};
