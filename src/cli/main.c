/* main.c - the refract command line: assess, convert, kb check, kb list. It reads, calls the
 * library, renders; no clinical logic lives here. Exit statuses (docs/cli.md):
 * 0 success, 1 `kb check` found errors, 2 invalid input or usage, 3 the knowledge base did
 * not load (invalid input includes input over a size or nesting limit), 4 out of memory or
 * internal failure. */
#include <stdio.h>
#include <string.h>

#include "../api/pipeline.h"
#include "../io/io.h"
#include "../engine/engine.h"
#include "../json/json.h"
#include "../kb/kb.h"
#include "../render/render.h"
#include "../util/limits.h"

#define REFRACT_VERSION "0.1.0"
#define MAX_KB_DIRS 16

enum { EXIT_OK = 0, EXIT_KB_ERRORS = 1, EXIT_INPUT = 2, EXIT_KB = 3, EXIT_INTERNAL = 4 };

static const char *const usage_main =
    "usage: refract <command> [options]\n"
    "\n"
    "commands:\n"
    "  assess [--format text|json] [--as-of YYYY-MM-DD] [--pgx FILE] [--kb-dir DIR]... FILE|-\n"
    "                 assess one patient record (refract case JSON or a FHIR R4 Bundle)\n"
    "  convert [--as-of YYYY-MM-DD] [--pgx FILE] [--kb-dir DIR]... FILE|-\n"
    "                 print the refract case a record (FHIR R4) is read as\n"
    "  kb check [DIR...]   load and check the knowledge; list every error\n"
    "  kb list [--format text|json] [--kb-dir DIR]...\n"
    "                 conditions, definitions, scores, flags, strategies, sources\n"
    "\n"
    "options: --help (on every command), --version\n"
    "exit status: 0 ok, 1 kb check found errors, 2 invalid input or usage,\n"
    "             3 knowledge did not load, 4 out of memory or internal failure\n"
    "Decision support for a clinician, not a prescription.\n";

static const char *const usage_assess =
    "usage: refract assess [--format text|json] [--as-of YYYY-MM-DD] [--pgx FILE] [--kb-dir DIR]...\n"
    "                      FILE|-\n"
    "  Reads one patient record from FILE or standard input and prints the assessment of\n"
    "  every condition it shows. The record is refract case JSON (docs/case-format.md) or\n"
    "  FHIR R4 (a Bundle or one resource, docs/fhir.md), told apart by its resourceType.\n"
    "  --format text|json  text (default) for reading, json for integrations\n"
    "                      (docs/output-format.md)\n"
    "  --as-of DATE        assess as of this date instead of the record's as_of or today\n"
    "  --pgx FILE          add PharmCAT results (outside-call TSV or report JSON)\n"
    "  --kb-dir DIR        add a site knowledge directory (repeatable; later ones override)\n"
    "exit status: 0 ok, 2 invalid record (the message names its JSON path), 3 knowledge did\n"
    "not load, 4 out of memory\n";

static const char *const usage_convert =
    "usage: refract convert [--as-of YYYY-MM-DD] [--pgx FILE] [--kb-dir DIR]... FILE|-\n"
    "  Reads one patient record (FHIR R4 Bundle or resource, or refract case JSON) and prints\n"
    "  the refract case it is read as (docs/case-format.md), so that what was read can be\n"
    "  checked and corrected, then assessed with `refract assess`. What could not be mapped\n"
    "  or was inferred is listed on standard error as data-quality lines (docs/fhir.md).\n"
    "  --as-of DATE        the assessment date (default today); later resources are not read\n"
    "  --pgx FILE          add PharmCAT results (outside-call TSV or report JSON)\n"
    "  --kb-dir DIR        add a site knowledge directory (its codes map more of the record)\n"
    "exit status: 0 ok, 2 invalid record, 3 knowledge did not load, 4 out of memory\n";

static const char *const usage_kb =
    "usage: refract kb check [DIR...]\n"
    "       refract kb list [--format text|json] [--kb-dir DIR]...\n"
    "  check: loads the base knowledge and each DIR (a site's additions), prints every error\n"
    "         as file:line:column: message; exit 0 when clean, 1 with errors\n"
    "  list:  prints the conditions with their definitions, scores, flags and strategies,\n"
    "         and the sources\n";

typedef struct opts {
    const char *format;
    const char *as_of;
    const char *pgx;
    const char *dirs[MAX_KB_DIRS];
    size_t ndirs;
    const char *file;
} opts;

static bool want_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* Parse assess/list options; positional arguments go to file (one) or dirs. */
static int parse_opts(opts *o, int argc, char **argv, bool positional_dirs)
{
    memset(o, 0, sizeof *o);
    o->format = "text";
    o->dirs[o->ndirs++] = rf_kb_default_dir();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(a, "--format") == 0 && has_val) {
            o->format = argv[++i];
            if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0) {
                fprintf(stderr, "refract: --format must be text or json, not '%s'\n", o->format);
                return EXIT_INPUT;
            }
        } else if (strcmp(a, "--as-of") == 0 && has_val) {
            o->as_of = argv[++i];
        } else if (strcmp(a, "--pgx") == 0 && has_val) {
            o->pgx = argv[++i];
        } else if (strcmp(a, "--kb-dir") == 0 && has_val) {
            if (o->ndirs == MAX_KB_DIRS) {
                fprintf(stderr, "refract: at most %d knowledge directories\n", MAX_KB_DIRS);
                return EXIT_INPUT;
            }
            o->dirs[o->ndirs++] = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "refract: unknown or incomplete option '%s' (see --help)\n", a);
            return EXIT_INPUT;
        } else if (positional_dirs) {
            if (o->ndirs == MAX_KB_DIRS) {
                fprintf(stderr, "refract: at most %d knowledge directories\n", MAX_KB_DIRS);
                return EXIT_INPUT;
            }
            o->dirs[o->ndirs++] = a;
        } else if (o->file == NULL) {
            o->file = a;
        } else {
            fprintf(stderr, "refract: one record at a time ('%s' is extra)\n", a);
            return EXIT_INPUT;
        }
    }
    return EXIT_OK;
}

static void print_diags(const rf_kb *kb, FILE *f)
{
    for (int i = 0; i < kb->ndiags; i++)
        fprintf(f, "%s:%d:%d: %s\n", kb->diags[i].pos.file, kb->diags[i].pos.line,
                kb->diags[i].pos.col, kb->diags[i].message);
    if (kb->ndiags_total > kb->ndiags)
        fprintf(f, "... and %d more\n", kb->ndiags_total - kb->ndiags);
}

static int load_kb(rf_kb **out, const opts *o)
{
    refract_error err = {0};
    int rc = rf_kb_load(out, o->dirs, o->ndirs, &err);
    if (rc == REFRACT_OK)
        return EXIT_OK;
    if (*out && (*out)->ndiags_total > 0) {
        fprintf(stderr, "refract: the knowledge base did not load:\n");
        print_diags(*out, stderr);
    } else {
        fprintf(stderr, "refract: %s: %s\n", err.where, err.message);
    }
    return EXIT_KB;
}

static int exit_for(int rc)
{
    /* an input beyond a limit (size, nesting) is bad input, like a malformed one */
    return rc == REFRACT_EINVAL || rc == REFRACT_EIO || rc == REFRACT_ELIMIT ? EXIT_INPUT
                                                                             : EXIT_INTERNAL;
}

/* What assess and convert share: their options, --as-of, the knowledge and the record. */
typedef struct record_cmd {
    opts o;
    rf_date as_of;
    rf_kb *kb;
    rf_arena a;
    char *buf;
    size_t len;
    refract_error err;
} record_cmd;

#define RECORD_HELPED (-1) /* --help was answered: exit 0 */

static int record_fail(record_cmd *c, int st);

/* Parse the command line, load the knowledge, read the record. EXIT_OK when all is ready
 * (free with record_end), RECORD_HELPED, or the exit status of what went wrong. */
static int record_begin(record_cmd *c, int argc, char **argv, const char *usage, bool text_only)
{
    memset(c, 0, sizeof *c);
    if (want_help(argc, argv)) {
        fputs(usage, stdout);
        return RECORD_HELPED;
    }
    int rc = parse_opts(&c->o, argc, argv, false);
    if (rc != EXIT_OK)
        return rc;
    if (c->o.file == NULL || (text_only && strcmp(c->o.format, "text") != 0)) {
        fputs(usage, stderr);
        return EXIT_INPUT;
    }
    c->as_of = RF_DATE_NONE;
    if (c->o.as_of && !rf_date_parse(c->o.as_of, strlen(c->o.as_of), &c->as_of)) {
        fprintf(stderr, "refract: --as-of: '%s' is not a date (YYYY-MM-DD)\n", c->o.as_of);
        return EXIT_INPUT;
    }
    rc = load_kb(&c->kb, &c->o);
    if (rc != EXIT_OK) {
        rf_kb_free(c->kb);
        return rc;
    }
    rf_arena_init(&c->a, RF_LIMIT_ARENA_BYTES);
    int st = rf_file_read(&c->buf, &c->len, &c->a, c->o.file, RF_LIMIT_INPUT_BYTES, &c->err);
    if (st != REFRACT_OK)
        return record_fail(c, st);
    return EXIT_OK;
}

/* Report the error of the record (its place and message) and give the exit status. */
static int record_fail(record_cmd *c, int st)
{
    fprintf(stderr, "refract: %s: %s: %s\n", c->o.file, c->err.where, c->err.message);
    rf_arena_free(&c->a);
    rf_kb_free(c->kb);
    c->kb = NULL;
    return exit_for(st);
}

static int record_end(record_cmd *c, int rc)
{
    rf_arena_free(&c->a);
    rf_kb_free(c->kb);
    return rc;
}

static int cmd_assess(int argc, char **argv)
{
    record_cmd c;
    int rc = record_begin(&c, argc, argv, usage_assess, false);
    if (rc != EXIT_OK)
        return rc == RECORD_HELPED ? EXIT_OK : rc;
    rf_assessment *as = NULL;
    int st = rf_pipeline_assess_record(&as, c.kb, &c.a, c.buf, c.len, c.as_of, c.o.pgx, &c.err);
    if (st != REFRACT_OK)
        return record_fail(&c, st);
    rf_strbuf out;
    rf_strbuf_init(&out, 0);
    if (strcmp(c.o.format, "json") == 0)
        rf_render_json(as, &out, true);
    else
        rf_render_text(as, &out);
    fwrite(out.data, 1, out.len, stdout);
    rf_strbuf_free(&out);
    return record_end(&c, EXIT_OK);
}

/* Print the data-quality list of a record as it was read (the assessment repeats it). */
static void print_quality(const rf_patient *p, FILE *f)
{
    for (size_t i = 0; i < p->nquality; i++) {
        const rf_quality *q = &p->quality[i];
        fprintf(f, "refract: data quality: %zu x %s (first: ", q->count, q->reason);
        for (size_t k = 0; k < q->nexamples; k++)
            fprintf(f, "%s%s", k ? ", " : "", q->examples[k]);
        fputs(")\n", f);
    }
}

static int cmd_convert(int argc, char **argv)
{
    record_cmd c;
    int rc = record_begin(&c, argc, argv, usage_convert, true);
    if (rc != EXIT_OK)
        return rc == RECORD_HELPED ? EXIT_OK : rc;
    rf_patient *p = NULL;
    rf_strbuf out;
    rf_strbuf_init(&out, 0);
    int st = rf_pipeline_read_record(&p, c.kb, &c.a, c.buf, c.len, c.as_of, c.o.pgx, &c.err);
    if (st == REFRACT_OK)
        st = rf_case_write(p, &out, true, &c.err);
    if (st != REFRACT_OK) {
        rf_strbuf_free(&out);
        return record_fail(&c, st);
    }
    fwrite(out.data, 1, out.len, stdout);
    print_quality(p, stderr);
    rf_strbuf_free(&out);
    return record_end(&c, EXIT_OK);
}

static void list_entries_json(rf_json_writer *w, const rf_kb *kb, const char *key, int cond,
                              int n, rf_kb_entry *(*get)(const rf_kb *, int, int *, const char **))
{
    rf_jw_key(w, key);
    rf_jw_array_begin(w);
    for (int i = 0; i < n; i++) {
        int c;
        const char *title;
        rf_kb_entry *e = get(kb, i, &c, &title);
        if (c != cond)
            continue;
        rf_jw_object_begin(w);
        rf_jw_key(w, "id");
        rf_jw_string(w, e->id);
        if (title) {
            rf_jw_key(w, "title");
            rf_jw_string(w, title);
        }
        rf_jw_key(w, "sources");
        rf_jw_array_begin(w);
        for (int s = 0; s < e->sources.n; s++)
            rf_jw_string(w, e->sources.ids[s]);
        rf_jw_array_end(w);
        if (e->unverified) {
            rf_jw_key(w, "unverified");
            rf_jw_string(w, e->unverified);
        }
        rf_jw_object_end(w);
    }
    rf_jw_array_end(w);
}

static rf_kb_entry *get_def(const rf_kb *kb, int i, int *c, const char **t)
{
    *c = kb->definition[i]->condition;
    *t = kb->definition[i]->title;
    return &kb->definition[i]->e;
}
static rf_kb_entry *get_score(const rf_kb *kb, int i, int *c, const char **t)
{
    *c = kb->score[i]->condition;
    *t = kb->score[i]->title;
    return &kb->score[i]->e;
}
static rf_kb_entry *get_flag(const rf_kb *kb, int i, int *c, const char **t)
{
    *c = kb->flag[i]->condition;
    *t = kb->flag[i]->title;
    return &kb->flag[i]->e;
}
static rf_kb_entry *get_strategy(const rf_kb *kb, int i, int *c, const char **t)
{
    *c = kb->strategy[i]->condition;
    *t = kb->strategy[i]->name;
    return &kb->strategy[i]->e;
}

static void kb_list_json(const rf_kb *kb, rf_strbuf *out)
{
    rf_json_writer w;
    rf_jw_init(&w, out, true);
    rf_jw_object_begin(&w);
    rf_jw_key(&w, "knowledge_version");
    rf_jw_string(&w, kb->version);
    rf_jw_key(&w, "conditions");
    rf_jw_array_begin(&w);
    for (int c = 0; c < kb->n_condition; c++) {
        rf_jw_object_begin(&w);
        rf_jw_key(&w, "id");
        rf_jw_string(&w, kb->condition[c]->e.id);
        rf_jw_key(&w, "name");
        rf_jw_string(&w, kb->condition[c]->name);
        list_entries_json(&w, kb, "definitions", c, kb->n_definition, get_def);
        list_entries_json(&w, kb, "scores", c, kb->n_score, get_score);
        list_entries_json(&w, kb, "flags", c, kb->n_flag, get_flag);
        list_entries_json(&w, kb, "strategies", c, kb->n_strategy, get_strategy);
        rf_jw_object_end(&w);
    }
    rf_jw_array_end(&w);
    rf_jw_key(&w, "agents");
    rf_jw_array_begin(&w);
    for (int i = 0; i < kb->n_agent; i++)
        rf_jw_string(&w, kb->agent[i]->e.id);
    rf_jw_array_end(&w);
    rf_jw_key(&w, "sources");
    rf_jw_array_begin(&w);
    for (int i = 0; i < kb->n_source; i++) {
        rf_jw_object_begin(&w);
        rf_jw_key(&w, "id");
        rf_jw_string(&w, kb->source[i]->e.id);
        rf_jw_key(&w, "citation");
        rf_jw_string(&w, kb->source[i]->citation);
        rf_jw_object_end(&w);
    }
    rf_jw_array_end(&w);
    rf_jw_object_end(&w);
    rf_strbuf_putc(out, '\n');
}

static void kb_list_text(const rf_kb *kb, rf_strbuf *out)
{
    rf_strbuf_printf(out, "knowledge: %s\n", kb->version);
    for (int c = 0; c < kb->n_condition; c++) {
        rf_strbuf_printf(out, "\n%s  %s\n", kb->condition[c]->e.id,
                         kb->condition[c]->name ? kb->condition[c]->name : "");
        for (int i = 0; i < kb->n_definition; i++)
            if (kb->definition[i]->condition == c)
                rf_strbuf_printf(out, "  definition %-36s %s\n", kb->definition[i]->e.id,
                                 kb->definition[i]->title ? kb->definition[i]->title : "");
        for (int i = 0; i < kb->n_score; i++)
            if (kb->score[i]->condition == c)
                rf_strbuf_printf(out, "  score      %-36s %s\n", kb->score[i]->e.id,
                                 kb->score[i]->title ? kb->score[i]->title : "");
        for (int i = 0; i < kb->n_flag; i++)
            if (kb->flag[i]->condition == c)
                rf_strbuf_printf(out, "  flag       %-36s %s\n", kb->flag[i]->e.id,
                                 kb->flag[i]->title ? kb->flag[i]->title : "");
        for (int i = 0; i < kb->n_strategy; i++)
            if (kb->strategy[i]->condition == c)
                rf_strbuf_printf(out, "  strategy   %-36s %s\n", kb->strategy[i]->e.id,
                                 kb->strategy[i]->name ? kb->strategy[i]->name : "");
    }
    rf_strbuf_printf(out, "\n%d sources, %d agents\n", kb->n_source, kb->n_agent);
}

static int cmd_kb(int argc, char **argv)
{
    if (argc < 1 || want_help(argc, argv)) {
        fputs(usage_kb, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_INPUT : EXIT_OK;
    }
    opts o;
    bool check = strcmp(argv[0], "check") == 0;
    if (!check && strcmp(argv[0], "list") != 0) {
        fprintf(stderr, "refract kb: unknown subcommand '%s'\n%s", argv[0], usage_kb);
        return EXIT_INPUT;
    }
    int rc = parse_opts(&o, argc - 1, argv + 1, check);
    if (rc != EXIT_OK)
        return rc;
    rf_kb *kb = NULL;
    refract_error err = {0};
    int st = rf_kb_load(&kb, o.dirs, o.ndirs, &err);
    if (check) {
        if (kb && kb->ndiags_total > 0) {
            print_diags(kb, stdout);
            printf("%d error(s)\n", kb->ndiags_total);
            rc = EXIT_KB_ERRORS;
        } else if (st != REFRACT_OK) {
            fprintf(stderr, "refract: %s: %s\n", err.where, err.message);
            rc = EXIT_KB_ERRORS;
        } else {
            printf("ok: %s: %d conditions, %d definitions, %d scores, %d flags, %d strategies, "
                   "%d sources\n", kb->version, kb->n_condition, kb->n_definition, kb->n_score,
                   kb->n_flag, kb->n_strategy, kb->n_source);
        }
        rf_kb_free(kb);
        return rc;
    }
    if (st != REFRACT_OK) {
        if (kb && kb->ndiags_total)
            print_diags(kb, stderr);
        else
            fprintf(stderr, "refract: %s: %s\n", err.where, err.message);
        rf_kb_free(kb);
        return EXIT_KB;
    }
    rf_strbuf out;
    rf_strbuf_init(&out, 0);
    if (strcmp(o.format, "json") == 0)
        kb_list_json(kb, &out);
    else
        kb_list_text(kb, &out);
    fwrite(out.data, 1, out.len, stdout);
    rf_strbuf_free(&out);
    rf_kb_free(kb);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        const char *dirs[1] = {rf_kb_default_dir()};
        rf_kb *kb = NULL;
        refract_error err = {0};
        int st = rf_kb_load(&kb, dirs, 1, &err);
        printf("refract %s\nknowledge: %s\n", REFRACT_VERSION,
               st == REFRACT_OK ? kb->version : "(did not load)");
        rf_kb_free(kb);
        return st == REFRACT_OK ? EXIT_OK : EXIT_KB;
    }
    if (strcmp(cmd, "assess") == 0)
        return cmd_assess(argc - 2, argv + 2);
    if (strcmp(cmd, "convert") == 0)
        return cmd_convert(argc - 2, argv + 2);
    if (strcmp(cmd, "kb") == 0)
        return cmd_kb(argc - 2, argv + 2);
    fprintf(stderr, "refract: unknown command '%s'\n%s", cmd, usage_main);
    return EXIT_INPUT;
}
