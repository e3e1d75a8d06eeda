/* text.c - the assessment as a report a clinician reads in a terminal: per condition, the
 * definitions with their status and reasons, scores item by item, flags, then the ranked
 * strategies and the excluded ones with their reasons. */
#include <math.h>

#include "render.h"

static void list(rf_strbuf *b, const char *indent, const char *title, const rf_texts *t)
{
    if (t->n == 0)
        return;
    if (title)
        rf_strbuf_printf(b, "%s%s\n", indent, title);
    for (int i = 0; i < t->n; i++)
        rf_strbuf_printf(b, "%s  - %s\n", indent, t->items[i]);
}

static void num(rf_strbuf *b, double lo, double hi)
{
    if (lo == hi && isfinite(lo))
        rf_strbuf_printf(b, "%g", round(lo * 100) / 100);
    else if (isfinite(lo) && isfinite(hi))
        rf_strbuf_printf(b, "%g to %g", round(lo * 100) / 100, round(hi * 100) / 100);
    else
        rf_strbuf_puts(b, "unknown");
}

static const char *status_text(rf_status s)
{
    static const char *const t[] = {"REFRACTORY", "not refractory", "INSUFFICIENT DATA",
                                    "not applicable", "not implemented"};
    return t[s];
}

static void condition(rf_strbuf *b, const rf_cond_result *c)
{
    rf_strbuf_printf(b, "\n== %s (%s)\n", c->condition->name ? c->condition->name : c->condition->e.id,
                     c->condition->e.id);
    rf_strbuf_puts(b, "\nDefinitions of refractoriness\n");
    for (int i = 0; i < c->ndefs; i++) {
        const rf_def_result *d = &c->defs[i];
        rf_strbuf_printf(b, "  %-34s %s%s%s\n", d->def->e.id, status_text(d->status),
                         d->stage ? "  stage: " : "", d->stage ? d->stage : "");
        if (d->def->title)
            rf_strbuf_printf(b, "    %s\n", d->def->title);
        list(b, "    ", NULL, &d->reasons);
        list(b, "    ", "missing data:", &d->missing);
    }
    if (c->nscores)
        rf_strbuf_puts(b, "\nScores\n");
    for (int i = 0; i < c->nscores; i++) {
        const rf_score_result *s = &c->scores[i];
        rf_strbuf_printf(b, "  %-20s ", s->score->e.id);
        if (s->status == RF_ST_NOT_APPLICABLE) {
            rf_strbuf_puts(b, "not applicable\n");
            list(b, "    ", NULL, &s->reasons);
            continue;
        }
        num(b, s->lo, s->hi);
        if (s->band_label)
            rf_strbuf_printf(b, "  (%s)", s->band_label);
        if (s->provisional)
            rf_strbuf_puts(b, "  [provisional]");
        if (!s->computed)
            rf_strbuf_puts(b, "  [insufficient data]");
        rf_strbuf_printf(b, "  %s\n", s->score->title ? s->score->title : "");
        for (int k = 0; k < s->nitems; k++) {
            rf_strbuf_printf(b, "    %-28s ", s->items[k].label ? s->items[k].label : s->items[k].id);
            num(b, s->items[k].lo, s->items[k].hi);
            rf_strbuf_putc(b, '\n');
        }
        list(b, "    ", "missing data:", &s->missing);
    }
    if (c->nflags)
        rf_strbuf_puts(b, "\nPseudo-refractoriness flags\n");
    for (int i = 0; i < c->nflags; i++) {
        const rf_flag_result *f = &c->flags[i];
        rf_strbuf_printf(b, "  ! %s: %s\n", f->flag->e.id, f->flag->title ? f->flag->title : "");
        if (f->flag->advice)
            rf_strbuf_printf(b, "    advice: %s\n", f->flag->advice);
        list(b, "    ", NULL, &f->facts);
    }
    rf_strbuf_puts(b, "\nNext strategies (ranked)\n");
    for (int i = 0; i < c->nrecs; i++) {
        const rf_rec_result *r = &c->recs[i];
        rf_strbuf_printf(b, "  %2d. %s  [%s, line %g]  (%s)\n", r->rank, r->strategy->name,
                         r->strategy->kind, r->strategy->line, r->strategy->e.id);
        if (r->strategy->evidence)
            rf_strbuf_printf(b, "      evidence: %s\n", r->strategy->evidence);
        list(b, "      ", "cautions:", &r->cautions);
        list(b, "      ", "not these agents:", &r->agents_excluded);
        list(b, "      ", NULL, &r->preferred);
        list(b, "      ", NULL, &r->also_serves);
    }
    if (c->nexcluded)
        rf_strbuf_puts(b, "\nExcluded strategies\n");
    for (int i = 0; i < c->nexcluded; i++) {
        const rf_excl_result *e = &c->excluded[i];
        rf_strbuf_printf(b, "  x %s (%s): %s\n", e->strategy->name, e->strategy->e.id, rf_excl_name(e->kind));
        list(b, "      ", NULL, &e->reasons);
    }
    list(b, "", "\nUnverified knowledge these results rest on:", &c->unverified);
}

void rf_render_text(const rf_assessment *as, rf_strbuf *b)
{
    char d[11];
    rf_date_format(as->patient->as_of, d);
    rf_strbuf_printf(b, "refract assessment of %s as of %s\nknowledge: %s\n%s\n",
                     as->patient->id ? as->patient->id : "(unnamed record)", d, as->kb->version,
                     RF_DISCLAIMER);
    if (as->nconds == 0)
        rf_strbuf_puts(b, "\nThe record shows none of the conditions the knowledge base covers.\n");
    for (int i = 0; i < as->nconds; i++)
        condition(b, &as->conds[i]);
    list(b, "", "\nData quality:", &as->data_quality);
}
