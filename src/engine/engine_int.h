/* engine_int.h - the evaluation context shared by eval.c, assess.c and rank.c. */
#ifndef RF_ENGINE_INT_H
#define RF_ENGINE_INT_H

#include "engine.h"

/* A record that satisfied a comprehension: the facts a flag or criterion rests on. */
typedef struct rf_witness {
    const void *rec;
    rf_rec_kind kind;
} rf_witness;

typedef struct rf_eval {
    const rf_kb *kb;
    const rf_patient *p;
    rf_arena *a;
    int cond;                  /* condition being assessed (kb index) */
    const rf_condition *pcond; /* the patient's record of it, or NULL */
    const rf_condition **cond_record; /* [n_condition] the record per kb condition, or NULL */
    rf_val *frame;
    /* memo of global lets without parameters: [n_condition * n_let] */
    rf_val *let_memo;
    uint8_t *let_state;
    /* results computed on demand (flag(x), refractory(x), score(x)) */
    rf_def_result *defs;
    uint8_t *def_state;
    rf_score_result *scores;
    uint8_t *score_state;
    rf_flag_result *flags;
    uint8_t *flag_state;
    /* resolution of the record */
    int *trial_agent;     /* [ntrials] kb agent index or -1 */
    int *obs_kind;        /* [nobservations] */
    int *proc_kind;       /* [nprocedures] */
    const char **trial_label; /* [ntrials] */
    /* trace: records that satisfied comprehensions during the current clause */
    rf_ptrvec *witness;
    int depth;            /* nesting of results computed on demand */
    uint8_t *trial_failed, *trial_intolerant; /* rank.c: per trial, for the condition ranked */
    const rf_kb_adequacy **adequacy; /* [n_condition * ntrials], filled lazily */
    uint8_t *adequacy_done;
    /* memo of lets with one trial parameter: [n_let] -> [(n_condition + 1) * ntrials] */
    rf_val *list_memo;     /* trials / current_trials per condition, obs and procedures per kind */
    uint8_t *list_done;
    uint8_t *has_memo;     /* has(): per code set and condition, 0 not yet, else b3 + 1 */
    uint8_t *contra_state; /* rank.c: 0 not yet, else rf_b3 + 1, per contraindication */
    rf_val **trial_let_memo;
    uint8_t **trial_let_state;
    rf_texts *fired;      /* while ranking: ids of the agent rules that applied */
} rf_eval;

int rf_eval_init(rf_eval *ev, const rf_patient *p, const rf_kb *kb, rf_arena *a);
void rf_eval_set_condition(rf_eval *ev, int cond);
rf_val rf_eval_node(rf_eval *ev, const rf_node *n);
/* A frame of nslots values. A frame made for a body keeps the body in a header slot so
 * that its lets are evaluated lazily, on first read (many are needed by one clause only). */
rf_val *rf_eval_new_frame(rf_eval *ev, int nslots, const rf_body *body);
/* A fresh frame for a body's lets and clauses; becomes the current frame. */
rf_val *rf_eval_body(rf_eval *ev, const rf_body *b, int nslots);
/* The value of a frame slot, evaluating a pending body let. */
rf_val rf_eval_slot(rf_eval *ev, int slot);
void rf_eval_definition(rf_eval *ev, int index);
void rf_eval_score(rf_eval *ev, int index);
void rf_eval_flag(rf_eval *ev, int index);

/* rendering of values for traces */
const char *rf_val_render(rf_eval *ev, rf_val v, rf_type t);
void rf_missing_to_texts(rf_eval *ev, const rf_missing *m, rf_texts *out);
/* The truth of a boolean criterion, without building its value; *missing is what the
 * value from rf_eval_node would carry as missing data. */
rf_b3 rf_eval_truth(rf_eval *ev, const rf_node *n, const rf_missing **missing);
const char *rf_missing_text(rf_eval *ev, const rf_missing *m);
const char *rf_trial_label(rf_eval *ev, size_t i);
const char *rf_rec_label(rf_eval *ev, const void *rec, rf_rec_kind kind);

#endif
