/* genomics.c - pharmacogenomic and tumour results into genotypes and findings: Genomics
 * Reporting IG Genotype (LOINC 84413-4), TherapeuticImplication and Variant (LOINC 69548-6)
 * Observations, and PharmCAT's outside-call TSV and report JSON. Everything becomes
 * gene -> phenotype (poor_metabolizer, ...) or activity score; HLA results become carrier
 * status of an allele ("*15:02", carrier true), never a metabolizer phenotype.
 * The mapping: docs/fhir.md, "Genomics". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/limits.h"
#include "fhir_int.h"

#define ARRAY_LEN(x) (sizeof(x) / sizeof((x)[0]))

/* ---- phenotypes ------------------------------------------------------------------------ */

/* Phenotype spellings labs and PharmCAT use, as the case format's identifiers. Older
 * "extensive" is CPIC's "normal" (CPIC term standardisation, Caudle 2017). */
static const struct {
    const char *from, *to;
} synonyms[] = {
    {"extensive_metabolizer", "normal_metabolizer"},
    {"ultra_rapid_metabolizer", "ultrarapid_metabolizer"},
    {"pm", "poor_metabolizer"},
    {"im", "intermediate_metabolizer"},
    {"nm", "normal_metabolizer"},
    {"rm", "rapid_metabolizer"},
    {"um", "ultrarapid_metabolizer"},
    {"poor_metaboliser", "poor_metabolizer"},
    {"intermediate_metaboliser", "intermediate_metabolizer"},
    {"normal_metaboliser", "normal_metabolizer"},
    {"rapid_metaboliser", "rapid_metabolizer"},
    {"ultrarapid_metaboliser", "ultrarapid_metabolizer"},
};

static const char *const no_result[] = {"n_a", "na", "no_result", "indeterminate", "unknown",
                                        "not_called", "no_call"};


const char *rf_phenotype_normalize(const char *s, size_t n)
{
    char b[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof b; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            b[k++] = (char)(c + 32);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            b[k++] = (char)c;
        else if ((c == ' ' || c == '-' || c == '_' || c == '/') && k > 0 && b[k - 1] != '_')
            b[k++] = '_';
        else if (c != ' ')
            return NULL;
    }
    while (k > 0 && b[k - 1] == '_')
        k--;
    b[k] = '\0';
    if (k == 0)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(no_result); i++)
        if (strcmp(b, no_result[i]) == 0)
            return NULL;
    for (size_t i = 0; i < ARRAY_LEN(synonyms); i++)
        if (strcmp(b, synonyms[i].from) == 0)
            return synonyms[i].to;
    static const char *const known[] = {"poor_metabolizer", "intermediate_metabolizer",
                                        "normal_metabolizer", "rapid_metabolizer",
                                        "ultrarapid_metabolizer", "decreased_function",
                                        "increased_function", "normal_function", "poor_function",
                                        "possible_decreased_function"};
    for (size_t i = 0; i < ARRAY_LEN(known); i++)
        if (strcmp(b, known[i]) == 0)
            return known[i];
    return NULL;
}

/* ---- the genotype list ----------------------------------------------------------------- */

static bool same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The entry for gene (and allele, for carrier results): replaced when present, else added. */
static rf_genotype *genotype_slot(rf_patient *p, rf_arena *a, const char *gene, const char *allele)
{
    for (size_t i = 0; i < p->ngenotypes; i++)
        if (strcmp(p->genotypes[i].gene, gene) == 0 && same(p->genotypes[i].allele, allele)) {
            rf_genotype *g = &p->genotypes[i];
            memset(g, 0, sizeof *g);
            g->gene = gene;
            g->allele = allele;
            g->activity_score = RF_NUM_NONE;
            g->date = RF_DATE_NONE;
            return g;
        }
    rf_genotype *n = RF_NEWN(a, rf_genotype, p->ngenotypes + 1);
    if (n == NULL)
        return NULL;
    if (p->ngenotypes)
        memcpy(n, p->genotypes, p->ngenotypes * sizeof *n);
    p->genotypes = n;
    rf_genotype *g = &n[p->ngenotypes++];
    g->gene = gene;
    g->allele = allele;
    g->activity_score = RF_NUM_NONE;
    g->date = RF_DATE_NONE;
    return g;
}

rf_genotype *rf_genotype_add(rf_patient *p, rf_arena *a, size_t *cap, const char *gene)
{
    (void)cap;
    return genotype_slot(p, a, gene, NULL);
}

static bool is_hla(const char *gene)
{
    return strncmp(gene, "HLA-", 4) == 0;
}

/* HLA alleles ("*15:02") named in text; negative when the text says so. Each allele
 * becomes one carrier result. */
static int hla_alleles(rf_patient *p, rf_arena *a, const char *gene, const char *text,
                       rf_date d, const char *where)
{
    bool negative = strstr(text, "negative") || strstr(text, "Negative") ||
                    strstr(text, "not detected") || strstr(text, "absent");
    int found = 0;
    for (const char *s = strchr(text, '*'); s != NULL; s = strchr(s + 1, '*')) {
        size_t n = 1;
        while ((s[n] >= '0' && s[n] <= '9') || s[n] == ':')
            n++;
        if (n < 4 || strchr(s, ':') == NULL || s[n - 1] == ':')
            continue;
        const char *allele = rf_arena_strndup(a, s, n);
        rf_genotype *g = allele ? genotype_slot(p, a, gene, allele) : NULL;
        if (g == NULL)
            return REFRACT_ENOMEM;
        g->carrier = negative ? RF_TRI_FALSE : RF_TRI_TRUE;
        g->diplotype = strchr(text, '/') ? text : NULL;
        g->date = d;
        g->where = where;
        found++;
    }
    return found > 0 ? REFRACT_OK : 1;
}

/* ---- Genomics Reporting IG ------------------------------------------------------------- */

static bool has_code(const rf_code *c, size_t n, const char *system, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].system, system) == 0 && strcmp(c[i].code, code) == 0)
            return true;
    return false;
}

/* The component with code (any system) in an Observation; NULL if none. */
static const rf_json *component(const rf_json *res, const char *code)
{
    rf_json_iter it = rf_json_iter_begin(rf_json_get(res, "component"));
    const rf_json *c;
    while ((c = rf_json_iter_next(&it, NULL)) != NULL) {
        rf_json_iter ci = rf_json_iter_begin(rf_json_get(rf_json_get(c, "code"), "coding"));
        const rf_json *cd;
        while ((cd = rf_json_iter_next(&ci, NULL)) != NULL) {
            const char *s = rf_fx_str(rf_json_get(cd, "code"));
            if (s && strcmp(s, code) == 0)
                return c;
        }
    }
    return NULL;
}

static const char *cc_text(const rf_json *cc)
{
    const char *t = rf_fx_str(rf_json_get(cc, "text"));
    rf_json_iter it = rf_json_iter_begin(rf_json_get(cc, "coding"));
    const rf_json *c = rf_json_iter_next(&it, NULL);
    return t ? t : rf_fx_str(rf_json_get(c, "display"));
}

/* Gene studied (LOINC 48018-6): the HGNC display ("CYP2C19"), or the code's text. */
static const char *gene_of(const rf_json *res)
{
    return cc_text(rf_json_get(component(res, "48018-6"), "valueCodeableConcept"));
}

static rf_date obs_date(fx *x, const rf_json *res)
{
    rf_date d = RF_DATE_NONE;
    rf_fx_when(x, res, "effective", &d, NULL);
    if (d == RF_DATE_NONE)
        rf_fx_date(x, rf_json_get(res, "issued"), "issued", &d);
    return d != RF_DATE_NONE && d > x->as_of ? RF_DATE_NONE : d;
}

static int genotype_obs(fx *x, const rf_json *res)
{
    const char *gene = gene_of(res);
    const char *value = cc_text(rf_json_get(res, "valueCodeableConcept"));
    if (gene == NULL || value == NULL) {
        rf_fx_note(x, "genotype without a gene studied or a value not read", NULL);
        return 1;
    }
    rf_date d = obs_date(x, res);
    if (is_hla(gene)) {
        int rc = hla_alleles(x->p, x->a, gene, value, d, x->cur->where);
        if (rc == REFRACT_ENOMEM)
            return rf_fx_oom(x);
        if (rc > 0)
            rf_fx_note(x, "HLA result without an allele (*NN:NN) not read", "valueCodeableConcept");
        return 1;
    }
    rf_genotype *g = genotype_slot(x->p, x->a, gene, NULL);
    if (g == NULL)
        return rf_fx_oom(x);
    /* "CYP2C19 *2 with *2": the diplotype is what follows the gene name */
    const char *dip = strncmp(value, gene, strlen(gene)) == 0 ? value + strlen(gene) : value;
    while (*dip == ' ')
        dip++;
    g->diplotype = *dip ? dip : value;
    g->date = d;
    g->where = x->cur->where;
    return 1;
}

/* TherapeuticImplication: phenotype in component "therapeutic-implication" (or 53040-3),
 * gene from the Genotype it is derivedFrom. */
static int implication_obs(fx *x, const rf_json *res)
{
    const rf_json *c = component(res, "therapeutic-implication");
    const char *ph_text = cc_text(rf_json_get(c, "valueCodeableConcept"));
    const char *gene = NULL;
    rf_json_iter it = rf_json_iter_begin(rf_json_get(res, "derivedFrom"));
    const rf_json *ref;
    while (gene == NULL && (ref = rf_json_iter_next(&it, NULL)) != NULL) {
        const rf_json *gt = rf_fx_deref(x, ref);
        if (gt == NULL)
            rf_fx_note(x, "derivedFrom reference to a resource not in the record", "derivedFrom");
        gene = gene_of(gt);
    }
    if (gene == NULL)
        gene = gene_of(res);
    const char *ph = ph_text ? rf_phenotype_normalize(ph_text, strlen(ph_text)) : NULL;
    if (gene == NULL || ph == NULL) {
        rf_fx_note(x, gene ? "therapeutic implication with a phenotype refract does not know not read"
                           : "therapeutic implication without a gene (derivedFrom Genotype) not read",
                   NULL);
        return 1;
    }
    if (is_hla(gene)) {
        rf_fx_note(x, "HLA therapeutic implication read from its Genotype, not as a phenotype", NULL);
        return 1;
    }
    /* the Genotype of the same gene, if read, keeps its diplotype */
    rf_genotype *g = NULL;
    for (size_t i = 0; i < x->p->ngenotypes && g == NULL; i++)
        if (strcmp(x->p->genotypes[i].gene, gene) == 0 && x->p->genotypes[i].allele == NULL)
            g = &x->p->genotypes[i];
    if (g == NULL && (g = genotype_slot(x->p, x->a, gene, NULL)) == NULL)
        return rf_fx_oom(x);
    g->phenotype = ph;
    if (g->date == RF_DATE_NONE)
        g->date = obs_date(x, res);
    g->where = x->cur->where;
    return 1;
}

/* Variant (LOINC 69548-6): a tumour or germline finding on the gene studied. */
static int variant_obs(fx *x, const rf_json *res)
{
    const char *gene = gene_of(res);
    const char *value = cc_text(rf_json_get(res, "valueCodeableConcept"));
    if (gene == NULL || value == NULL) {
        rf_fx_note(x, "variant without a gene studied or a value not read", NULL);
        return 1;
    }
    rf_finding *f = FX_APPEND(x, x->p->findings, x->p->nfindings, x->cap_find);
    if (f == NULL)
        return rf_fx_oom(x);
    f->marker = gene;
    f->result = value;
    f->date = obs_date(x, res);
    f->where = x->cur->where;
    return 1;
}

int rf_fx_genomics(fx *x, const rf_json *res, const rf_code *codes, size_t n)
{
    if (has_code(codes, n, "loinc", "84413-4"))
        return genotype_obs(x, res);
    if (has_code(codes, n, "loinc", "69548-6"))
        return variant_obs(x, res);
    const char *first = rf_fx_first_code(rf_json_get(res, "code"));
    if (first && strcmp(first, "therapeutic-implication") == 0)
        return implication_obs(x, res);
    return 0;
}

/* ---- PharmCAT -------------------------------------------------------------------------- */

static int pgx_fail(refract_error *err, size_t line, const char *msg)
{
    char where[32];
    snprintf(where, sizeof where, "line %zu", line);
    return rf_error_set(err, REFRACT_EINVAL, where, "%s", msg);
}

/* One call: gene with a diplotype, a phenotype (or HLA result) and an activity score, each
 * possibly NULL. */
static int add_call(rf_patient *p, rf_arena *a, const char *gene, const char *dip, const char *phen,
                    const char *score, const char *where, refract_error *err, size_t line)
{
    if (is_hla(gene)) {
        const char *txt = phen ? phen : dip;
        int rc = txt ? hla_alleles(p, a, gene, txt, RF_DATE_NONE, where) : 1;
        if (rc == REFRACT_ENOMEM)
            return rf_error_set(err, REFRACT_ENOMEM, where, "out of memory");
        return rc == REFRACT_OK ? rc : pgx_fail(err, line, "HLA call without an allele (*NN:NN)");
    }
    rf_genotype *g = genotype_slot(p, a, gene, NULL);
    if (g == NULL)
        return rf_error_set(err, REFRACT_ENOMEM, where, "out of memory");
    g->diplotype = dip;
    g->where = where;
    if (phen != NULL) {
        g->phenotype = rf_phenotype_normalize(phen, strlen(phen));
        if (g->phenotype == NULL)
            return pgx_fail(err, line, "phenotype refract does not know (expected e.g. Poor Metabolizer)");
    }
    if (score != NULL) {
        /* digits[.digits], read without the C locale (strtod would take "1,5" in de_DE) */
        double v = 0, scale = 1;
        const char *c = score;
        bool digits = false, point = false, ok = true;
        for (; *c && ok; c++) {
            if (*c >= '0' && *c <= '9') {
                digits = true;
                if (point) {
                    scale /= 10;
                    v += (*c - '0') * scale;
                } else {
                    v = v * 10 + (*c - '0');
                }
            } else if (*c == '.' && !point) {
                point = true;
            } else {
                ok = false;
            }
        }
        if (!ok || !digits || v > 100)
            return pgx_fail(err, line, "activity score is not a non-negative number");
        g->activity_score = v;
    }
    return REFRACT_OK;
}

static char *field_dup(rf_arena *a, const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    while (n > 0 && *s == ' ') {
        s++;
        n--;
    }
    return n == 0 || memchr(s, '\0', n) ? NULL : rf_arena_strndup(a, s, n);
}

int rf_pharmcat_read_tsv(rf_patient *p, rf_arena *a, const char *buf, size_t len,
                         refract_error *err)
{
    size_t line = 0;
    for (size_t i = 0; i < len;) {
        const char *s = buf + i, *nl = memchr(s, '\n', len - i);
        size_t n = nl ? (size_t)(nl - s) : len - i;
        i += n + 1;
        line++;
        if (n == 0 || s[0] == '#' || (n == 1 && s[0] == '\r'))
            continue;
        char *f[4] = {NULL, NULL, NULL, NULL};
        size_t nf = 0, st = 0;
        for (size_t k = 0; k <= n; k++) {
            if (k < n && s[k] != '\t')
                continue;
            if (nf == 4)
                return pgx_fail(err, line, "more than 4 tab-separated fields");
            f[nf++] = field_dup(a, s + st, k - st);
            st = k + 1;
        }
        if (f[0] == NULL)
            return pgx_fail(err, line, "missing gene symbol");
        if (f[1] == NULL && f[2] == NULL && f[3] == NULL)
            return pgx_fail(err, line, "missing diplotype, phenotype and activity score");
        const char *where = rf_arena_printf(a, "pharmcat:line %zu", line);
        int rc = add_call(p, a, f[0], f[1], f[2], f[3], where, err, line);
        if (rc != REFRACT_OK)
            return rc;
    }
    return REFRACT_OK;
}

static const char *json_text(rf_arena *a, const rf_json *v)
{
    if (rf_json_typeof(v) == RF_JSON_NUMBER)
        return rf_arena_printf(a, "%g", rf_json_number(v));
    return rf_fx_str(v);
}

/* One gene report: {"geneSymbol", "recommendationDiplotypes"|"sourceDiplotypes": [{"label",
 * "phenotypes": [...], "activityScore"}]}. */
static int gene_report(rf_patient *p, rf_arena *a, const rf_json *g, refract_error *err)
{
    const char *gene = rf_fx_str(rf_json_get(g, "geneSymbol"));
    const rf_json *dips = rf_json_get(g, "recommendationDiplotypes");
    if (dips == NULL)
        dips = rf_json_get(g, "sourceDiplotypes");
    rf_json_iter it = rf_json_iter_begin(dips);
    const rf_json *d = rf_json_iter_next(&it, NULL);
    if (gene == NULL || d == NULL)
        return REFRACT_OK; /* a gene PharmCAT did not call */
    rf_json_iter pi = rf_json_iter_begin(rf_json_get(d, "phenotypes"));
    const char *phen = rf_fx_str(rf_json_iter_next(&pi, NULL));
    const char *dip = rf_fx_str(rf_json_get(d, "label"));
    const char *score = json_text(a, rf_json_get(d, "activityScore"));
    const char *where = rf_arena_printf(a, "pharmcat:genes.%s", gene);
    if (phen && rf_phenotype_normalize(phen, strlen(phen)) == NULL && !is_hla(gene))
        phen = NULL; /* "No Result", "n/a": the gene stays without a phenotype */
    if (score && (strcmp(score, "n/a") == 0 || strcmp(score, "N/A") == 0))
        score = NULL;
    if (dip && strcmp(dip, "Unknown/Unknown") == 0)
        dip = NULL;
    if (dip == NULL && phen == NULL && score == NULL)
        return REFRACT_OK;
    return add_call(p, a, gene, dip, phen, score, where, err, 0);
}

int rf_pharmcat_read_json(rf_patient *p, rf_arena *a, const rf_json *doc, refract_error *err)
{
    const rf_json *genes = rf_json_get(doc, "genes");
    if (rf_json_typeof(genes) != RF_JSON_OBJECT)
        return rf_error_set(err, REFRACT_EINVAL, "$.genes", "not a PharmCAT report (no \"genes\" object)");
    rf_json_iter it = rf_json_iter_begin(genes);
    const rf_json *v;
    while ((v = rf_json_iter_next(&it, NULL)) != NULL) {
        int rc = REFRACT_OK;
        if (rf_json_get(v, "geneSymbol") != NULL) {
            rc = gene_report(p, a, v, err);
        } else { /* by source (CPIC, DPWG), then by gene */
            rf_json_iter gi = rf_json_iter_begin(v);
            const rf_json *g;
            while (rc == REFRACT_OK && (g = rf_json_iter_next(&gi, NULL)) != NULL)
                rc = gene_report(p, a, g, err);
        }
        if (rc != REFRACT_OK)
            return rc;
    }
    return REFRACT_OK;
}

int rf_pharmcat_read_file(rf_patient *p, rf_arena *a, const char *path, refract_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = rf_file_read(&buf, &len, a, path, RF_LIMIT_INPUT_BYTES, err);
    if (rc != REFRACT_OK)
        return rc;
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    if (i < len && buf[i] == '{') {
        const rf_json *doc = NULL;
        rc = rf_json_parse(&doc, a, buf, len, NULL, err);
        return rc == REFRACT_OK ? rf_pharmcat_read_json(p, a, doc, err) : rc;
    }
    return rf_pharmcat_read_tsv(p, a, buf, len, err);
}
