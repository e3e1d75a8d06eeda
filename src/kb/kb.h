/* kb.h - the compiled knowledge base: every table the engine reads. Built once by load.c
 * (parse -> check), then immutable; threads may share it without locks. */
#ifndef RF_KB_H
#define RF_KB_H

#include <stdbool.h>
#include <stddef.h>

#include "../expr/expr.h"
#include "../model/units.h"
#include "../util/util.h"

typedef struct rf_kb_code {
    const char *system;
    const char *code;
    bool prefix; /* written "F31.*": matches F31 and every code below it */
} rf_kb_code;

typedef struct rf_kb_codes {
    rf_kb_code *items;
    int n;
} rf_kb_codes;

typedef struct rf_idrefs { /* a list of ids as written, resolved to indexes by check.c */
    const char **ids;
    rf_pos *pos;
    int *index;
    int n;
} rf_idrefs;

typedef struct rf_strs {
    const char **items;
    int n;
} rf_strs;

/* Common header of every declaration. */
typedef struct rf_kb_entry {
    const char *id;
    rf_pos pos;
    int dir;              /* which knowledge directory it came from (0 = base) */
    const char *unverified; /* shown in the output where the entry is used */
    rf_strs notes;
    rf_idrefs sources;
} rf_kb_entry;

typedef struct rf_kb_source {
    rf_kb_entry e;
    const char *citation;
    const char *doi;
} rf_kb_source;

typedef struct rf_kb_class {
    rf_kb_entry e;
    const char *name;
    rf_idrefs members;
} rf_kb_class;

typedef struct rf_kb_codeset {
    rf_kb_entry e;
    const char *name;
    rf_kb_codes codes;
    /* optional: the codes identify this entry (so a site or the FHIR mapping can add codes
     * to an agent, observation, procedure or condition declared elsewhere) */
    rf_sym_kind target_kind;
    const char *target_id;
    rf_pos target_pos;
    int target;
} rf_kb_codeset;

typedef struct rf_kb_observation {
    rf_kb_entry e;
    const char *name;
    const char *unit_text;
    rf_unit unit;
    double range_lo, range_hi; /* NaN if not given */
    rf_kb_codes codes;
} rf_kb_observation;

typedef struct rf_kb_procedure {
    rf_kb_entry e;
    const char *name;
    rf_kb_codes codes;
} rf_kb_procedure;

typedef struct rf_kb_agent {
    rf_kb_entry e;
    const char *name;
    rf_idrefs classes;
    const char *mechanism;
    rf_kb_codes codes;
    const char *unit_text;
    rf_unit unit;          /* canonical dose unit */
    unsigned char *is_class; /* [nclasses] membership, filled by check.c */
    int *contras, ncontras;  /* check.c: the contraindication rules that name this agent */
    int *pgxs, npgxs;        /* check.c: the pgx rules that name this agent */
} rf_kb_agent;

typedef struct rf_kb_adequacy {
    rf_kb_entry e;         /* id is "condition/agent" */
    const char *condition_id, *agent_id;
    rf_pos condition_pos, agent_pos;
    int condition, agent;
    double min_dose, max_dose, min_duration_days; /* canonical units; NaN when absent */
    rf_pos min_dose_pos, max_dose_pos, dur_pos;
    rf_unit min_dose_unit, max_dose_unit;
    bool min_dose_has_unit, max_dose_has_unit;
} rf_kb_adequacy;

/* A labelled clause: require, not_applicable, insufficient, requires, contraindicated,
 * caution, prefer, defer. */
typedef enum rf_clause_kind {
    RF_CL_NOT_APPLICABLE,
    RF_CL_INSUFFICIENT,
    RF_CL_REQUIRE,
    RF_CL_CONTRAINDICATED,
    RF_CL_CAUTION,
    RF_CL_PREFER,
    RF_CL_DEFER,
    RF_CL_PROVISIONAL, /* scores: computed, but reported as provisional */
    RF_CL_NOT_IMPLEMENTED /* the reference names it but its criteria are not transcribed */
} rf_clause_kind;

typedef struct rf_clause {
    rf_clause_kind kind;
    const char *label;
    rf_node *expr;
    rf_pos pos;
} rf_clause;

typedef struct rf_local {
    const char *name;
    const char *label; /* NULL: not shown in the trace */
    rf_node *expr;
    int slot;
    rf_pos pos;
} rf_local;

/* The body shared by definitions, scores, flags and strategies: lets and clauses in order. */
typedef struct rf_body {
    rf_local *lets;
    int nlets;
    rf_clause *clauses;
    int nclauses;
    int nslots; /* frame size: lets + comprehension variables */
} rf_body;

typedef struct rf_kb_condition {
    rf_kb_entry e;
    const char *name;
    rf_kb_codes codes;
    rf_node *trial_failed;     /* expression over slot 0 (the trial) */
    rf_node *trial_intolerant;
    int failed_slots, intolerant_slots;
    rf_node *current_line; /* where the patient stands on the strategy ladder (a number) */
    int current_line_slots;
} rf_kb_condition;

typedef struct rf_kb_definition {
    rf_kb_entry e;
    const char *condition_id;
    rf_pos condition_pos;
    int condition;
    const char *title;
    rf_body body;
    const char *refractory_label;
    rf_node *refractory;
    rf_node *stage;
} rf_kb_definition;

typedef struct rf_kb_item {
    const char *id;
    const char *label;
    rf_node *expr;
    int slot;
    rf_pos pos;
} rf_kb_item;

typedef struct rf_kb_score {
    rf_kb_entry e;
    const char *condition_id;
    rf_pos condition_pos;
    int condition;
    const char *title;
    rf_body body;
    rf_kb_item *items;
    int nitems;
    rf_node *total;
    int total_slot;
    rf_kb_item *bands; /* id, label, expr (bool) */
    int nbands;
    const char *unit_label; /* optional: "points", "mg/d" */
} rf_kb_score;

typedef struct rf_kb_flag {
    rf_kb_entry e;
    const char *condition_id;
    rf_pos condition_pos;
    int condition;
    const char *title;
    rf_body body;
    rf_node *when;
    const char *message, *advice;
} rf_kb_flag;

typedef struct rf_kb_strategy {
    rf_kb_entry e;
    const char *condition_id;
    rf_pos condition_pos;
    int condition;
    const char *name;
    const char *kind;
    double line;
    rf_idrefs agents;
    const char *evidence;
    const char *rationale;
    rf_body body;
    rf_strs monitor;
    int order; /* declaration order, for stable ranking */
} rf_kb_strategy;

typedef struct rf_kb_contra {
    rf_kb_entry e;
    const char *condition_id; /* optional: only for strategies of this condition */
    rf_pos condition_pos;
    int condition;            /* -1: every condition */
    rf_idrefs agents, classes;
    bool absolute;
    rf_body body;
    rf_node *when;
    const char *text;
} rf_kb_contra;

typedef enum rf_pgx_action { RF_PGX_AVOID, RF_PGX_ADJUST, RF_PGX_CAUTION, RF_PGX_INFO } rf_pgx_action;

typedef struct rf_kb_pgx {
    rf_kb_entry e;
    const char *condition_id; /* optional: only for strategies of this condition (an
                                 indication-specific rule, e.g. DPWG quetiapine) */
    rf_pos condition_pos;
    int condition;
    const char *gene, *phenotype, *allele;
    rf_idrefs agents, classes;
    rf_pgx_action action;
    const char *advice;
    const char *level;
} rf_kb_pgx;

typedef struct rf_kb_let {
    rf_kb_entry e;
    const char *label;
    const char **params;
    rf_type *param_types; /* "t" or "t: trial" is a trial; "x: num", "d: date", ... */
    int nparams;
    rf_node *expr;
    int nslots;
    rf_type type; /* filled by check.c */
    int state;    /* check.c: 0 unchecked, 1 checking (cycle), 2 done */
} rf_kb_let;

/* The tables. Each is an array of pointers in declaration order (files sorted by name). */
#define RF_KB_TABLES(X)                                                                     \
    X(source, rf_kb_source, "source")                                                       \
    X(klass, rf_kb_class, "class")                                                          \
    X(codeset, rf_kb_codeset, "codeset")                                                    \
    X(observation, rf_kb_observation, "observation")                                        \
    X(procedure, rf_kb_procedure, "procedure")                                              \
    X(agent, rf_kb_agent, "agent")                                                          \
    X(adequacy, rf_kb_adequacy, "adequacy")                                                 \
    X(condition, rf_kb_condition, "condition")                                              \
    X(definition, rf_kb_definition, "definition")                                           \
    X(score, rf_kb_score, "score")                                                          \
    X(flag, rf_kb_flag, "flag")                                                             \
    X(strategy, rf_kb_strategy, "strategy")                                                 \
    X(contra, rf_kb_contra, "contraindication")                                             \
    X(pgx, rf_kb_pgx, "pgx")                                                                \
    X(let, rf_kb_let, "let")

typedef struct rf_diag {
    rf_pos pos;
    const char *message;
} rf_diag;

typedef struct rf_kb_slot { /* id -> index, per kind (open addressing) */
    const char *id;
    int kind;
    int value;
} rf_kb_slot;

typedef struct rf_kb_decl_slot { /* parse time: (kind, id, scope) -> table position */
    const char *kind; /* the declaration word ("agent", "flag", ...) */
    const char *id;
    const char *scope; /* flags: their condition id; else NULL */
    int pos;
} rf_kb_decl_slot;

typedef struct rf_kb {
    rf_arena arena;
    rf_kb_decl_slot *decls; /* parse.c's duplicate check, so declaring n entries is O(n) */
    int decls_cap, decls_n;
    rf_kb_slot *index; /* built by rf_kb_build_index once parsing is done */
    int *targeted;     /* check.c: the code sets that name a target entry (few of them) */
    int ntargeted;
    int index_cap;
#define X(name, type, word) type **name; int n_##name; int cap_##name;
    RF_KB_TABLES(X)
#undef X
    const char *name;
    const char *version;   /* "refract-kb 2026.11.27+1a2b3c4d" (+ "site:dir" ...) */
    const char *base_version;
    rf_pos knowledge_pos;
    bool have_knowledge;
    rf_diag *diags;
    int ndiags, cap_diags, ndiags_total;
    int ndirs;
    int let_depth; /* check.c: lets being checked, nested */
    rf_intern intern; /* identifiers of every file, one copy each */
} rf_kb;

/* load.c */
int rf_kb_load(rf_kb **out, const char *const *dirs, size_t ndirs, refract_error *err);
void rf_kb_free(rf_kb *kb);
/* Load knowledge from one text (tests, fuzzing). Same checks as rf_kb_load. */
int rf_kb_load_text(rf_kb **out, const char *name, const char *src, size_t len,
                    refract_error *err);
/* $REFRACT_KB_DIR, else the kb/ of the source tree the binary was built from. */
const char *rf_kb_default_dir(void);
/* Add a diagnostic "file:line:col: message" (kept up to RF_LIMIT_KB_DIAGNOSTICS). */
void rf_kb_diag(rf_kb *kb, rf_pos pos, const char *fmt, ...) RF_PRINTF(3, 4);

/* parse.c: parse one file's text into the kb tables (dir = directory index). */
void rf_kb_parse(rf_kb *kb, const char *file, const char *src, size_t len, int dir);
/* check.c: resolve, type-check, unit-check the whole kb. */
void rf_kb_check(rf_kb *kb);

/* Lookups (linear in small tables, hashed where hot; -1 when absent). */
int rf_kb_find(const rf_kb *kb, rf_sym_kind kind, const char *id);
/* Hash every id (after parsing; rf_kb_check calls it). Lookups are linear before it. */
void rf_kb_build_index(rf_kb *kb);
int rf_kb_find_let(const rf_kb *kb, const char *id);
int rf_kb_find_source(const rf_kb *kb, const char *id);
const rf_kb_adequacy *rf_kb_adequacy_for(const rf_kb *kb, int condition, int agent);
bool rf_kb_code_match(const rf_kb_codes *codes, const char *system, const char *code);
/* The entry of the given kind that the codes identify: its own codes, then code sets that
 * target it. -1 if none. */
int rf_kb_match_codes(const rf_kb *kb, rf_sym_kind kind, const void *codes, size_t ncodes);
/* Do the codes (rf_code[]) identify entry index of kind, by its own codes or a code set
 * that targets it? */
bool rf_kb_codes_identify(const rf_kb *kb, rf_sym_kind kind, int index, const void *codes,
                          size_t ncodes);

#endif
