/* model.h - the patient record every reader (case JSON, FHIR, bulk) fills and the engine
 * reads. Plain structs in the assessment's arena; absent numbers are NaN, absent dates
 * RF_DATE_NONE, absent strings NULL. Nothing here is guessed: a reader leaves a field
 * absent rather than invent it, and marks values it derived as inferred. */
#ifndef RF_MODEL_H
#define RF_MODEL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "../util/util.h"

#define RF_NUM_NONE NAN
static inline bool rf_num_known(double x)
{
    return !isnan(x);
}

/* Three-valued facts (pregnancy, smoking, ...). */
typedef enum rf_tri { RF_TRI_UNKNOWN = 0, RF_TRI_FALSE, RF_TRI_TRUE } rf_tri;

typedef enum rf_sex { RF_SEX_UNKNOWN = 0, RF_SEX_FEMALE, RF_SEX_MALE, RF_SEX_OTHER } rf_sex;

/* A coded concept. system is a short name: icd10cm, icd11, snomed, rxnorm, atc, loinc, cpt,
 * hcpcs, ucum, hgnc, local. */
typedef struct rf_code {
    const char *system;
    const char *code;
    const char *display; /* may be NULL */
} rf_code;

/* A condition or comorbidity. concept is a knowledge-base id (a condition such as
 * "depression", or a concept such as "hypothyroidism") when the record names one; the
 * engine also matches codes against the knowledge base's code sets. */
typedef struct rf_condition {
    const char *concept;
    rf_code *codes;
    size_t ncodes;
    rf_date onset;
    rf_date episode_start; /* start of the current episode, where episodic */
    rf_date abatement;
    const char *status;    /* active | recurrence | relapse | remission | resolved | inactive */
    const char *severity;  /* mild | moderate | severe | severe_psychotic | subsyndromal */
    const char **features; /* free kb terms: "psychotic_features", "suicidal_ideation", ... */
    size_t nfeatures;
    const char *where;     /* "$.conditions[0]" or a FHIR reference, for messages */
} rf_condition;

typedef enum rf_outcome {
    RF_OUTCOME_UNKNOWN = 0,
    RF_OUTCOME_REMISSION,
    RF_OUTCOME_RESPONSE,
    RF_OUTCOME_PARTIAL,
    RF_OUTCOME_NONE,
    RF_OUTCOME_INTOLERANCE,
    RF_OUTCOME_ONGOING /* still running; too early to judge */
} rf_outcome;

/* A treatment trial: one agent at one dose for one period. A dose change is a new trial. */
typedef struct rf_trial {
    const char *agent;      /* knowledge-base agent id once resolved */
    rf_code *codes;         /* codes as read (RxNorm, ATC) */
    size_t ncodes;
    const char *for_condition; /* kb condition id it was given for, if stated */
    double dose_value;      /* as written, per administration or per period */
    const char *dose_unit;  /* as written: "mg", "mg/d", "ug", ... */
    double per_day;         /* administrations per day (bid = 2, weekly = 1/7); NaN unknown */
    const char *frequency;  /* as written: "daily", "bid", "weekly", "q2w", ... */
    const char *route;
    rf_date start, end;     /* end absent: ongoing (if ongoing) or unknown */
    bool ongoing;
    rf_date target_dose_date; /* date the target dose was reached, if recorded */
    double adherence;       /* 0..1, NaN unknown */
    const char *adherence_source; /* pdc | pill_count | self_report | level | clinician */
    double level_value;     /* drug level */
    const char *level_unit;
    rf_outcome outcome;
    const char *instrument; /* kb observation id of the outcome scale */
    double baseline_score, end_score; /* on that instrument */
    const char *stop_reason; /* nonresponse | partial_response | intolerance | adverse_effect |
                                remission | switch_to_mania | patient_choice | cost | other */
    const char *role;        /* monotherapy | augmentation | combination */
    const char *adverse_effects; /* free text */
    bool max_tolerated;      /* escalation stopped by dose-related adverse effects */
    bool inferred_end;       /* end taken from the next order, not recorded */
    bool inferred_dose;      /* dose read from a display text */
    const char *where;
    /* filled by the engine's resolve step */
    double dose_canon;       /* daily dose in the agent's canonical unit; NaN unknown */
} rf_trial;

/* Procedures and devices: ECT, rTMS, surgery, VNS, ... */
typedef struct rf_procedure {
    const char *kind;       /* kb procedure id once resolved: "ect", "rtms", ... */
    rf_code *codes;
    size_t ncodes;
    const char *for_condition;
    rf_date start, end;
    double sessions;
    const char *laterality; /* bilateral | unilateral */
    rf_outcome outcome;
    bool device_present;    /* an implant that is still in place */
    const char *where;
} rf_procedure;

/* Observations: scale scores, labs, counts (seizures or headache days per month). */
typedef struct rf_observation {
    const char *kind;       /* kb observation id once resolved: "phq9", "tsh", ... */
    rf_code *codes;
    size_t ncodes;
    double value;           /* as written */
    const char *unit;       /* as written (UCUM); NULL for unitless scores */
    const char *text_value; /* for coded/positive/negative results */
    rf_date date;
    const char *where;
    double value_canon;     /* engine: in the kb observation's canonical unit */
} rf_observation;

/* Dated events: a seizure, a relapse, a manic episode, a hospitalisation, ... */
typedef struct rf_event {
    const char *kind;
    rf_date date;
    const char *detail;
    const char *where;
} rf_event;

typedef struct rf_allergy {
    const char *agent;      /* kb agent id or class id once resolved */
    rf_code *codes;
    size_t ncodes;
    const char *kind;       /* allergy | intolerance */
    const char *reaction;
    const char *severity;   /* mild | moderate | severe | life_threatening */
    rf_date date;
    const char *where;
} rf_allergy;

/* Pharmacogenomic result: gene -> phenotype, or an allele's carrier status. */
typedef struct rf_genotype {
    const char *gene;       /* CYP2D6, CYP2C19, HLA-B, TPMT, ... */
    const char *phenotype;  /* poor_metabolizer | intermediate_metabolizer |
                               normal_metabolizer | rapid_metabolizer |
                               ultrarapid_metabolizer | ... */
    const char *diplotype;  /* star-allele pair as written, e.g. *2 with *2 */
    const char *allele;     /* "*15:02" for HLA carrier status */
    rf_tri carrier;         /* for allele results */
    double activity_score;
    rf_date date;
    const char *where;
} rf_genotype;

/* Tumour (or germline) findings: BRCA2 pathogenic, MSI-H, PSMA-PET positive, ... */
typedef struct rf_finding {
    const char *marker;     /* BRCA1 | BRCA2 | ATM | MSI-H | dMMR | PSMA_PET | visceral_metastases ... */
    const char *result;     /* positive | negative | pathogenic | ... */
    const char *origin;     /* germline | somatic | imaging */
    rf_date date;
    const char *where;
} rf_finding;

typedef struct rf_preferences {
    const char **declines;  /* strategy ids, strategy kinds or agent ids */
    size_t ndeclines;
    const char **avoid;     /* effects to avoid: weight_gain, sedation, sexual_dysfunction */
    size_t navoid;
} rf_preferences;

/* What a reader could not map, ignored on purpose or had to infer, counted by reason, with
 * the first places it happened (FHIR: "Bundle.entry[3].resource(Condition/abc)"). The
 * engine copies these into the assessment's data quality: nothing is dropped silently. */
#define RF_QUALITY_EXAMPLES 3
typedef struct rf_quality {
    const char *reason;   /* one line: "condition refuted (ignored)" */
    size_t count;
    const char *examples[RF_QUALITY_EXAMPLES];
    size_t nexamples;
} rf_quality;

typedef struct rf_patient {
    const char *id;
    rf_date birth_date;
    rf_sex sex;
    rf_tri pregnant;
    rf_tri breastfeeding;
    rf_tri childbearing_potential;
    double weight_kg;
    rf_tri smoker;
    rf_date as_of;           /* the assessment date; the reader fills it (given or today) */
    rf_condition *conditions;     size_t nconditions;
    rf_trial *trials;             size_t ntrials;
    rf_procedure *procedures;     size_t nprocedures;
    rf_observation *observations; size_t nobservations;
    rf_event *events;             size_t nevents;
    rf_allergy *allergies;        size_t nallergies;
    rf_genotype *genotypes;       size_t ngenotypes;
    rf_finding *findings;         size_t nfindings;
    rf_preferences prefs;
    rf_quality *quality;          size_t nquality; /* readers of outside records fill it */
} rf_patient;

const char *rf_outcome_name(rf_outcome o); /* "response", ... "unknown" */
bool rf_outcome_parse(const char *s, rf_outcome *out);

#endif
