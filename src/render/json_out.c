/* json_out.c - the assessment as JSON, in the stable shape of docs/output-format.md and
 * schema/output.schema.json. Keys are written in a fixed order and absent optional values
 * are omitted, so the same record and knowledge give the same bytes. */
#include <math.h>

#include "../json/json.h"
#include "render.h"

static void texts(rf_json_writer *w, const char *key, const rf_texts *t, bool always)
{
    if (t->n == 0 && !always)
        return;
    rf_jw_key(w, key);
    rf_jw_array_begin(w);
    for (int i = 0; i < t->n; i++)
        rf_jw_string(w, t->items[i]);
    rf_jw_array_end(w);
}

static void opt_string(rf_json_writer *w, const char *key, const char *v)
{
    if (v == NULL)
        return;
    rf_jw_key(w, key);
    rf_jw_string(w, v);
}

static void sources(rf_json_writer *w, const rf_kb *kb, const rf_kb_entry *e)
{
    rf_jw_key(w, "sources");
    rf_jw_array_begin(w);
    for (int i = 0; i < e->sources.n; i++) {
        int s = e->sources.index[i];
        if (s < 0)
            continue;
        rf_jw_object_begin(w);
        rf_jw_key(w, "id");
        rf_jw_string(w, kb->source[s]->e.id);
        rf_jw_key(w, "citation");
        rf_jw_string(w, kb->source[s]->citation);
        opt_string(w, "doi", kb->source[s]->doi);
        opt_string(w, "unverified", kb->source[s]->e.unverified);
        rf_jw_object_end(w);
    }
    rf_jw_array_end(w);
}

static void entry_notes(rf_json_writer *w, const rf_kb_entry *e)
{
    opt_string(w, "unverified", e->unverified);
    if (e->notes.n) {
        rf_jw_key(w, "notes");
        rf_jw_array_begin(w);
        for (int i = 0; i < e->notes.n; i++)
            rf_jw_string(w, e->notes.items[i]);
        rf_jw_array_end(w);
    }
}

static void number_or_range(rf_json_writer *w, double lo, double hi)
{
    if (lo == hi && isfinite(lo)) {
        rf_jw_key(w, "value");
        rf_jw_number(w, round(lo * 10000) / 10000);
        return;
    }
    rf_jw_key(w, "value");
    rf_jw_null(w);
    if (isfinite(lo) || isfinite(hi)) {
        rf_jw_key(w, "range");
        rf_jw_array_begin(w);
        if (isfinite(lo))
            rf_jw_number(w, round(lo * 10000) / 10000);
        else
            rf_jw_null(w);
        if (isfinite(hi))
            rf_jw_number(w, round(hi * 10000) / 10000);
        else
            rf_jw_null(w);
        rf_jw_array_end(w);
    }
}

static void definition(rf_json_writer *w, const rf_kb *kb, const rf_def_result *d)
{
    rf_jw_object_begin(w);
    rf_jw_key(w, "id");
    rf_jw_string(w, d->def->e.id);
    rf_jw_key(w, "title");
    rf_jw_string(w, d->def->title);
    rf_jw_key(w, "status");
    rf_jw_string(w, rf_status_name(d->status));
    opt_string(w, "stage", d->stage);
    texts(w, "reasons", &d->reasons, true);
    texts(w, "missing", &d->missing, true);
    sources(w, kb, &d->def->e);
    entry_notes(w, &d->def->e);
    rf_jw_object_end(w);
}

static const char *score_status(const rf_score_result *s)
{
    if (s->status == RF_ST_NOT_APPLICABLE)
        return "not_applicable";
    if (s->status == RF_ST_NOT_IMPLEMENTED)
        return "not_implemented";
    if (!s->computed)
        return "insufficient_data";
    return s->lo == s->hi ? "computed" : "partial";
}

static void score(rf_json_writer *w, const rf_kb *kb, const rf_score_result *s)
{
    rf_jw_object_begin(w);
    rf_jw_key(w, "id");
    rf_jw_string(w, s->score->e.id);
    rf_jw_key(w, "title");
    rf_jw_string(w, s->score->title);
    rf_jw_key(w, "status");
    rf_jw_string(w, score_status(s));
    rf_jw_key(w, "provisional");
    rf_jw_bool(w, s->provisional);
    if (s->status != RF_ST_NOT_APPLICABLE && s->status != RF_ST_NOT_IMPLEMENTED) {
        rf_jw_key(w, "total");
        rf_jw_object_begin(w);
        number_or_range(w, s->lo, s->hi);
        rf_jw_object_end(w);
    }
    if (s->band_id) {
        rf_jw_key(w, "band");
        rf_jw_object_begin(w);
        rf_jw_key(w, "id");
        rf_jw_string(w, s->band_id);
        rf_jw_key(w, "label");
        rf_jw_string(w, s->band_label);
        rf_jw_object_end(w);
    }
    rf_jw_key(w, "items");
    rf_jw_array_begin(w);
    for (int i = 0; i < s->nitems; i++) {
        rf_jw_object_begin(w);
        rf_jw_key(w, "id");
        rf_jw_string(w, s->items[i].id);
        opt_string(w, "label", s->items[i].label);
        number_or_range(w, s->items[i].lo, s->items[i].hi);
        texts(w, "missing", &s->items[i].missing, false);
        rf_jw_object_end(w);
    }
    rf_jw_array_end(w);
    texts(w, "reasons", &s->reasons, false);
    texts(w, "missing", &s->missing, true);
    sources(w, kb, &s->score->e);
    entry_notes(w, &s->score->e);
    rf_jw_object_end(w);
}

static void flag(rf_json_writer *w, const rf_kb *kb, const rf_flag_result *f)
{
    rf_jw_object_begin(w);
    rf_jw_key(w, "id");
    rf_jw_string(w, f->flag->e.id);
    rf_jw_key(w, "title");
    rf_jw_string(w, f->flag->title);
    opt_string(w, "message", f->flag->message);
    opt_string(w, "advice", f->flag->advice);
    texts(w, "facts", &f->facts, true);
    sources(w, kb, &f->flag->e);
    entry_notes(w, &f->flag->e);
    rf_jw_object_end(w);
}

static void recommendation(rf_json_writer *w, const rf_kb *kb, const rf_rec_result *r)
{
    const rf_kb_strategy *s = r->strategy;
    rf_jw_object_begin(w);
    rf_jw_key(w, "rank");
    rf_jw_int(w, r->rank);
    rf_jw_key(w, "id");
    rf_jw_string(w, s->e.id);
    rf_jw_key(w, "name");
    rf_jw_string(w, s->name);
    rf_jw_key(w, "kind");
    rf_jw_string(w, s->kind);
    rf_jw_key(w, "line");
    rf_jw_number(w, s->line);
    rf_jw_key(w, "effective_line");
    rf_jw_number(w, r->effective_line);
    opt_string(w, "rationale", s->rationale);
    opt_string(w, "evidence", s->evidence);
    texts(w, "cautions", &r->cautions, true);
    texts(w, "agents_excluded", &r->agents_excluded, false);
    texts(w, "ranking", &r->preferred, false);
    texts(w, "also_serves", &r->also_serves, false);
    rf_jw_key(w, "monitoring");
    rf_jw_array_begin(w);
    for (int i = 0; i < s->monitor.n; i++)
        rf_jw_string(w, s->monitor.items[i]);
    rf_jw_array_end(w);
    sources(w, kb, &s->e);
    entry_notes(w, &s->e);
    rf_jw_object_end(w);
}

static void excluded(rf_json_writer *w, const rf_excl_result *e)
{
    rf_jw_object_begin(w);
    rf_jw_key(w, "id");
    rf_jw_string(w, e->strategy->e.id);
    rf_jw_key(w, "name");
    rf_jw_string(w, e->strategy->name);
    rf_jw_key(w, "reason_kind");
    rf_jw_string(w, rf_excl_name(e->kind));
    texts(w, "reasons", &e->reasons, true);
    rf_jw_object_end(w);
}

static void condition(rf_json_writer *w, const rf_kb *kb, const rf_cond_result *c)
{
    rf_jw_object_begin(w);
    rf_jw_key(w, "id");
    rf_jw_string(w, c->condition->e.id);
    rf_jw_key(w, "name");
    rf_jw_string(w, c->condition->name);
    opt_string(w, "record", c->record ? c->record->where : NULL);
    rf_jw_key(w, "definitions");
    rf_jw_array_begin(w);
    for (int i = 0; i < c->ndefs; i++)
        definition(w, kb, &c->defs[i]);
    rf_jw_array_end(w);
    rf_jw_key(w, "scores");
    rf_jw_array_begin(w);
    for (int i = 0; i < c->nscores; i++)
        score(w, kb, &c->scores[i]);
    rf_jw_array_end(w);
    rf_jw_key(w, "flags");
    rf_jw_array_begin(w);
    for (int i = 0; i < c->nflags; i++)
        flag(w, kb, &c->flags[i]);
    rf_jw_array_end(w);
    if (isfinite(c->current_line_lo) || isfinite(c->current_line_hi)) {
        rf_jw_key(w, "current_line");
        rf_jw_object_begin(w);
        number_or_range(w, c->current_line_lo, c->current_line_hi);
        rf_jw_object_end(w);
    }
    rf_jw_key(w, "recommendations");
    rf_jw_array_begin(w);
    for (int i = 0; i < c->nrecs; i++)
        recommendation(w, kb, &c->recs[i]);
    rf_jw_array_end(w);
    rf_jw_key(w, "excluded");
    rf_jw_array_begin(w);
    for (int i = 0; i < c->nexcluded; i++)
        excluded(w, &c->excluded[i]);
    rf_jw_array_end(w);
    texts(w, "rules_applied", &c->rules_fired, true);
    texts(w, "unverified", &c->unverified, true);
    rf_jw_object_end(w);
}

void rf_render_json(const rf_assessment *as, rf_strbuf *out, bool pretty)
{
    rf_json_writer w;
    rf_jw_init(&w, out, pretty);
    char d[11];
    rf_jw_object_begin(&w);
    rf_jw_key(&w, "format");
    rf_jw_int(&w, RF_OUTPUT_FORMAT);
    rf_jw_key(&w, "knowledge_version");
    rf_jw_string(&w, as->kb->version);
    rf_jw_key(&w, "disclaimer");
    rf_jw_string(&w, RF_DISCLAIMER);
    rf_jw_key(&w, "patient");
    rf_jw_object_begin(&w);
    opt_string(&w, "id", as->patient->id);
    rf_date_format(as->patient->as_of, d);
    rf_jw_key(&w, "as_of");
    rf_jw_string(&w, d);
    rf_jw_object_end(&w);
    rf_jw_key(&w, "conditions");
    rf_jw_array_begin(&w);
    for (int i = 0; i < as->nconds; i++)
        condition(&w, as->kb, &as->conds[i]);
    rf_jw_array_end(&w);
    texts(&w, "data_quality", &as->data_quality, true);
    rf_jw_object_end(&w);
    if (pretty)
        rf_strbuf_putc(out, '\n');
}
