/* builtins.h - the names the criteria language knows: patient facts, functions and record
 * fields. One list each; check.c types them, eval.c computes them, so they cannot drift. */
#ifndef RF_BUILTINS_H
#define RF_BUILTINS_H

#include "expr.h"

/* name, spelling, type kind, dimension, record kind */
#define RF_BUILTIN_LIST(X)                                                                   \
    X(AS_OF, "as_of", RF_TY_DATE, RF_DIM_NONE, RF_REC_NONE)                                  \
    X(AGE, "age", RF_TY_NUM, RF_DIM_NONE, RF_REC_NONE)                                       \
    X(SEX, "sex", RF_TY_STR, RF_DIM_NONE, RF_REC_NONE)                                       \
    X(PREGNANT, "pregnant", RF_TY_BOOL, RF_DIM_NONE, RF_REC_NONE)                            \
    X(BREASTFEEDING, "breastfeeding", RF_TY_BOOL, RF_DIM_NONE, RF_REC_NONE)                  \
    X(CHILDBEARING, "childbearing_potential", RF_TY_BOOL, RF_DIM_NONE, RF_REC_NONE)          \
    X(SMOKER, "smoker", RF_TY_BOOL, RF_DIM_NONE, RF_REC_NONE)                                \
    X(WEIGHT, "weight", RF_TY_NUM, RF_DIM_MASS, RF_REC_NONE)                                 \
    X(ONSET, "onset", RF_TY_DATE, RF_DIM_NONE, RF_REC_NONE)                                  \
    X(EPISODE_START, "episode_start", RF_TY_DATE, RF_DIM_NONE, RF_REC_NONE)                  \
    X(SEVERITY, "severity", RF_TY_STR, RF_DIM_NONE, RF_REC_NONE)                             \
    X(HAS_CONDITION, "has_condition", RF_TY_BOOL, RF_DIM_NONE, RF_REC_NONE)                  \
    X(TRIALS, "trials", RF_TY_LIST, RF_DIM_NONE, RF_REC_TRIAL)                               \
    X(CURRENT_TRIALS, "current_trials", RF_TY_LIST, RF_DIM_NONE, RF_REC_TRIAL)               \
    X(ALL_TRIALS, "all_trials", RF_TY_LIST, RF_DIM_NONE, RF_REC_TRIAL)                       \
    X(ALL_PROCEDURES, "all_procedures", RF_TY_LIST, RF_DIM_NONE, RF_REC_PROCEDURE)           \
    X(ALL_EVENTS, "all_events", RF_TY_LIST, RF_DIM_NONE, RF_REC_EVENT)

typedef enum rf_builtin {
#define X(id, name, k, d, r) RF_B_##id,
    RF_BUILTIN_LIST(X)
#undef X
    RF_B_COUNT_
} rf_builtin;

/* Functions called with plain arguments. */
#define RF_FUNCTION_LIST(X)                                                                  \
    X(HAS, "has")                                                                            \
    X(HAS_FEATURE, "has_feature")                                                            \
    X(PROCEDURES, "procedures")                                                              \
    X(OBS, "obs")                                                                            \
    X(EVENTS, "events")                                                                      \
    X(PHENOTYPE, "phenotype")                                                                \
    X(CARRIER, "carrier")                                                                    \
    X(FINDING, "finding")                                                                    \
    X(ALLERGIC, "allergic")                                                                  \
    X(DECLINED, "declined")                                                                  \
    X(FLAG, "flag")                                                                          \
    X(REFRACTORY, "refractory")                                                              \
    X(STATUS, "status")                                                                      \
    X(SCORE, "score")                                                                        \
    X(KNOWN, "known")                                                                        \
    X(LN, "ln")                                                                              \
    X(SQRT, "sqrt")                                                                          \
    X(ABS, "abs")                                                                            \
    X(ROUND, "round")                                                                        \
    X(FLOOR, "floor")                                                                        \
    X(NUM, "num")                                                                            \
    X(DAYS, "days")                                                                          \
    X(MONTHS_BETWEEN, "months_between")                                                      \
    X(MIN2, "min")                                                                           \
    X(MAX2, "max")                                                                           \
    X(COUNT1, "count")                                                                       \
    X(DATE, "date")                                                                          \
    X(UNKNOWN_OR, "default")

typedef enum rf_function {
#define X(id, name) RF_F_##id,
    RF_FUNCTION_LIST(X)
#undef X
    RF_F_COUNT_
} rf_function;

/* Comprehensions: f(v in list where cond : value). */
#define RF_COMPREHENSION_LIST(X)                                                             \
    X(COUNT, "count")                                                                        \
    X(COUNT_DISTINCT, "count_distinct")                                                      \
    X(ANY, "any")                                                                            \
    X(ALL, "all")                                                                            \
    X(FILTER, "filter")                                                                      \
    X(MIN, "min")                                                                            \
    X(MAX, "max")                                                                            \
    X(SUM, "sum")                                                                            \
    X(LATEST, "latest")                                                                      \
    X(EARLIEST, "earliest")

typedef enum rf_comprehension {
#define X(id, name) RF_C_##id,
    RF_COMPREHENSION_LIST(X)
#undef X
    RF_C_COUNT_
} rf_comprehension;

/* Record fields: record kind, id, spelling, type kind, dimension. A dimension of 255 means
 * "the observation's own unit" (carried in the list type). */
#define RF_DIM_OF_RECORD 255
#define RF_FIELD_LIST(X)                                                                     \
    X(TRIAL, AGENT, "agent", RF_TY_SYM, RF_DIM_NONE)                                         \
    X(TRIAL, DOSE, "dose", RF_TY_NUM, RF_DIM_MASS_PER_TIME)                                  \
    X(TRIAL, MIN_DOSE, "min_dose", RF_TY_NUM, RF_DIM_MASS_PER_TIME)                          \
    X(TRIAL, MAX_DOSE, "max_dose", RF_TY_NUM, RF_DIM_MASS_PER_TIME)                          \
    X(TRIAL, MIN_DURATION, "min_duration", RF_TY_NUM, RF_DIM_TIME)                           \
    X(TRIAL, START, "start", RF_TY_DATE, RF_DIM_NONE)                                        \
    X(TRIAL, END, "end", RF_TY_DATE, RF_DIM_NONE)                                            \
    X(TRIAL, DURATION, "duration", RF_TY_NUM, RF_DIM_TIME)                                   \
    X(TRIAL, ADHERENCE, "adherence", RF_TY_NUM, RF_DIM_NONE)                                 \
    X(TRIAL, LEVEL, "level", RF_TY_NUM, RF_DIM_MASS_CONC)                                    \
    X(TRIAL, LEVEL_MOLAR, "level_molar", RF_TY_NUM, RF_DIM_AMOUNT_CONC)                      \
    X(TRIAL, OUTCOME, "outcome", RF_TY_STR, RF_DIM_NONE)                                     \
    X(TRIAL, IMPROVEMENT, "improvement", RF_TY_NUM, RF_DIM_NONE)                             \
    X(TRIAL, BASELINE_SCORE, "baseline_score", RF_TY_NUM, RF_DIM_NONE)                       \
    X(TRIAL, END_SCORE, "end_score", RF_TY_NUM, RF_DIM_NONE)                                 \
    X(TRIAL, INSTRUMENT, "instrument", RF_TY_STR, RF_DIM_NONE)                               \
    X(TRIAL, STOP_REASON, "stop_reason", RF_TY_STR, RF_DIM_NONE)                             \
    X(TRIAL, ROLE, "role", RF_TY_STR, RF_DIM_NONE)                                           \
    X(TRIAL, FOR, "for", RF_TY_STR, RF_DIM_NONE)                                             \
    X(TRIAL, ROUTE, "route", RF_TY_STR, RF_DIM_NONE)                                         \
    X(TRIAL, ONGOING, "ongoing", RF_TY_BOOL, RF_DIM_NONE)                                    \
    X(TRIAL, MAX_TOLERATED, "max_tolerated", RF_TY_BOOL, RF_DIM_NONE)                        \
    X(TRIAL, PREVIOUS_EPISODE, "previous_episode", RF_TY_BOOL, RF_DIM_NONE)                  \
    X(TRIAL, MECHANISM, "mechanism", RF_TY_STR, RF_DIM_NONE)                                 \
    X(TRIAL, TARGET_DOSE_DATE, "target_dose_date", RF_TY_DATE, RF_DIM_NONE)                  \
    X(PROCEDURE, KIND, "kind", RF_TY_STR, RF_DIM_NONE)                                       \
    X(PROCEDURE, PSTART, "start", RF_TY_DATE, RF_DIM_NONE)                                   \
    X(PROCEDURE, PEND, "end", RF_TY_DATE, RF_DIM_NONE)                                       \
    X(PROCEDURE, SESSIONS, "sessions", RF_TY_NUM, RF_DIM_NONE)                               \
    X(PROCEDURE, LATERALITY, "laterality", RF_TY_STR, RF_DIM_NONE)                           \
    X(PROCEDURE, POUTCOME, "outcome", RF_TY_STR, RF_DIM_NONE)                                \
    X(PROCEDURE, DEVICE_PRESENT, "device_present", RF_TY_BOOL, RF_DIM_NONE)                  \
    X(PROCEDURE, PFOR, "for", RF_TY_STR, RF_DIM_NONE)                                        \
    X(OBSERVATION, VALUE, "value", RF_TY_NUM, RF_DIM_OF_RECORD)                              \
    X(OBSERVATION, ODATE, "date", RF_TY_DATE, RF_DIM_NONE)                                   \
    X(OBSERVATION, TEXT, "text", RF_TY_STR, RF_DIM_NONE)                                     \
    X(EVENT, EKIND, "kind", RF_TY_STR, RF_DIM_NONE)                                          \
    X(EVENT, EDATE, "date", RF_TY_DATE, RF_DIM_NONE)                                         \
    X(EVENT, DETAIL, "detail", RF_TY_STR, RF_DIM_NONE)

typedef enum rf_field {
#define X(rec, id, name, k, d) RF_FLD_##id,
    RF_FIELD_LIST(X)
#undef X
    RF_FLD_COUNT_
} rf_field;

int rf_builtin_find(const char *name);          /* -1 if none */
int rf_function_find(const char *name);         /* -1 if none */
int rf_comprehension_find(const char *name);    /* -1 if none */
int rf_field_find(rf_rec_kind rec, const char *name, rf_type *type); /* -1 if none */
rf_type rf_builtin_type(int id);
const char *rf_builtin_name(int id);
const char *rf_function_name(int id);
const char *rf_rec_name(rf_rec_kind k);

#endif
