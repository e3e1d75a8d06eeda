/* engine.h - assessment of one patient against the compiled knowledge: resolve the record
 * (agents, units, observation kinds), then per condition the patient has: definitions,
 * scores, flags and ranked strategies, each with the trace that produced it. */
#ifndef RF_ENGINE_H
#define RF_ENGINE_H

#include "../kb/kb.h"
#include "../model/model.h"

typedef enum rf_status {
    RF_ST_REFRACTORY,
    RF_ST_NOT_REFRACTORY,
    RF_ST_INSUFFICIENT,
    RF_ST_NOT_APPLICABLE,
    RF_ST_NOT_IMPLEMENTED /* named by the reference, criteria not yet transcribed */
} rf_status;
const char *rf_status_name(rf_status s);

typedef enum rf_excl_kind {
    RF_EX_CONTRAINDICATED,
    RF_EX_PGX,
    RF_EX_ALREADY_FAILED,
    RF_EX_PREREQUISITE,
    RF_EX_DECLINED
} rf_excl_kind;
const char *rf_excl_name(rf_excl_kind k);

typedef struct rf_texts {
    const char **items;
    int n, cap;
} rf_texts;

typedef struct rf_def_result {
    const rf_kb_definition *def;
    rf_status status;
    rf_texts reasons;
    rf_texts missing;
    const char *stage; /* rendered, or NULL */
} rf_def_result;

typedef struct rf_item_result {
    const char *id, *label;
    double lo, hi;
    rf_texts missing;
} rf_item_result;

typedef struct rf_score_result {
    const rf_kb_score *score;
    rf_status status; /* NOT_REFRACTORY unused; REFRACTORY = computed; INSUFFICIENT; NOT_APPLICABLE */
    bool computed;    /* the total is known exactly or within finite bounds */
    bool provisional;
    double lo, hi;
    const char *band_id, *band_label; /* NULL if not decided */
    rf_item_result *items;
    int nitems;
    rf_texts reasons;
    rf_texts missing;
} rf_score_result;

typedef struct rf_flag_result {
    const rf_kb_flag *flag;
    rf_b3 raised;
    rf_texts facts;
    rf_texts missing;
} rf_flag_result;

typedef struct rf_rec_result {
    const rf_kb_strategy *strategy;
    int rank;
    double effective_line;
    double distance;          /* |effective_line - the condition's current_line|, or 0 */
    rf_texts cautions;
    rf_texts agents_excluded; /* "bupropion: seizure disorder (contraindicated)" */
    rf_texts preferred;       /* why it ranks earlier */
    rf_texts also_serves;     /* other conditions of the patient this strategy serves */
} rf_rec_result;

typedef struct rf_excl_result {
    const rf_kb_strategy *strategy;
    rf_excl_kind kind;
    rf_texts reasons;
} rf_excl_result;

typedef struct rf_cond_result {
    const rf_kb_condition *condition;
    const rf_condition *record;
    rf_def_result *defs;
    int ndefs;
    rf_score_result *scores;
    int nscores;
    rf_flag_result *flags; /* raised (or undecidable) flags only */
    int nflags;
    rf_rec_result *recs;
    int nrecs;
    rf_excl_result *excluded;
    int nexcluded;
    rf_texts unverified; /* unverified facts this condition's results rest on */
    rf_texts rules_fired; /* ids of contraindication and pgx rules that applied */
    double current_line_lo, current_line_hi; /* the patient's place on the ladder, if known */
} rf_cond_result;

typedef struct rf_assessment {
    const rf_kb *kb;
    const rf_patient *patient;
    rf_cond_result *conds;
    int nconds;
    rf_texts data_quality;
} rf_assessment;

/* Resolve the record against the knowledge: agents (by id, then codes), daily doses in the
 * agent's unit, observation and procedure kinds, observation units. A dose or observation
 * whose unit cannot be converted is a case error (REFRACT_EINVAL, err->where = JSON path). */
int rf_engine_resolve(rf_patient *p, const rf_kb *kb, rf_arena *a, refract_error *err);

/* Assess a resolved patient. Everything lives in the arena. */
int rf_engine_assess(rf_assessment **out, const rf_patient *p, const rf_kb *kb, rf_arena *a,
                     refract_error *err);

void rf_texts_add(rf_texts *t, rf_arena *a, const char *s); /* ignores duplicates */

#endif
