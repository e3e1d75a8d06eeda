/* expr.h - the criteria language: tokens, syntax tree, static types and three-valued runtime
 * values. Stages, one per file: lex.c -> parse.c (AST in the kb arena) -> check.c (names,
 * types, units) -> eval.c (Kleene logic over bounded numbers). The language has no loops
 * and no recursion (let cycles are refused at load), so evaluation always terminates. */
#ifndef RF_EXPR_H
#define RF_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/units.h"
#include "../util/util.h"

/* ---- tokens ------------------------------------------------------------------------------ */

#define RF_TOKEN_LIST(X)                                                                     \
    X(EOF, "end of file")                                                                    \
    X(IDENT, "identifier")                                                                   \
    X(NUMBER, "number")                                                                      \
    X(STRING, "string")                                                                      \
    X(LBRACE, "'{'")                                                                         \
    X(RBRACE, "'}'")                                                                         \
    X(LPAREN, "'('")                                                                         \
    X(RPAREN, "')'")                                                                         \
    X(COMMA, "','")                                                                          \
    X(COLON, "':'")                                                                          \
    X(DOT, "'.'")                                                                            \
    X(ASSIGN, "'='")                                                                         \
    X(EQ, "'=='")                                                                            \
    X(NE, "'!='")                                                                            \
    X(LT, "'<'")                                                                             \
    X(LE, "'<='")                                                                            \
    X(GT, "'>'")                                                                             \
    X(GE, "'>='")                                                                            \
    X(PLUS, "'+'")                                                                           \
    X(MINUS, "'-'")                                                                          \
    X(STAR, "'*'")                                                                           \
    X(SLASH, "'/'")                                                                          \
    X(ERROR, "invalid character")

typedef enum rf_tok_kind {
#define X(name, desc) RF_TOK_##name,
    RF_TOKEN_LIST(X)
#undef X
} rf_tok_kind;

typedef struct rf_pos {
    const char *file;
    int line, col;
} rf_pos;

typedef struct rf_token {
    rf_tok_kind kind;
    rf_pos pos;
    const char *text; /* start in the source */
    size_t len;
    double num;       /* NUMBER: value in the canonical unit of its dimension */
    bool has_unit;
    rf_unit unit;     /* NUMBER with a unit */
    const char *str;  /* STRING: decoded, in the arena; IDENT: NUL-terminated copy */
} rf_token;

/* Identifiers repeat thousands of times in a knowledge base: one copy each. */
typedef struct rf_intern_slot {
    const char *s;     /* NULL: empty */
    uint32_t hash, len; /* so a probe compares bytes only on a likely match */
} rf_intern_slot;

typedef struct rf_intern {
    rf_intern_slot *slots; /* one cache line per probe, not one per array */
    size_t cap, n;
} rf_intern;

/* The units written after numbers repeat ("mg/d", "wk", "d"): the answers of the unit
 * table, positive and negative, remembered per lexer. */
#define RF_LEX_UNIT_CACHE 8
typedef struct rf_lex_unit_memo {
    char text[15];
    uint8_t len; /* 0: empty slot */
    bool known;
    rf_unit unit;
} rf_lex_unit_memo;

typedef struct rf_lexer {
    rf_intern *intern; /* optional, shared by the files of one load */
    rf_lex_unit_memo *units; /* optional, RF_LEX_UNIT_CACHE slots */
    const char *src, *cur, *end;
    rf_pos pos;
    rf_arena *arena;
    const char *error; /* message for an ERROR token */
} rf_lexer;

void rf_lex_init(rf_lexer *lx, rf_arena *a, const char *file, const char *src, size_t len);
rf_token rf_lex_next(rf_lexer *lx);
void rf_lex_scan(rf_lexer *lx, rf_token *out); /* rf_lex_next, written into *out */
const char *rf_tok_name(rf_tok_kind k);

/* ---- static types ------------------------------------------------------------------------ */

typedef enum rf_tkind {
    RF_TY_ERROR = 0, /* already reported; suppresses cascades */
    RF_TY_BOOL,
    RF_TY_NUM,       /* with a dimension */
    RF_TY_DATE,
    RF_TY_STR,
    RF_TY_SYM,       /* a knowledge-base id (agent, class, ...), see symkind */
    RF_TY_REC,       /* one record: trial, procedure, observation, event */
    RF_TY_LIST,      /* a list of records */
    RF_TY_IDLIST     /* a literal list of ids or strings, only as the right side of `in` */
} rf_tkind;

typedef enum rf_rec_kind {
    RF_REC_NONE = 0,
    RF_REC_TRIAL,
    RF_REC_PROCEDURE,
    RF_REC_OBSERVATION,
    RF_REC_EVENT
} rf_rec_kind;

typedef enum rf_sym_kind {
    RF_SYM_ANY = 0,
    RF_SYM_AGENT,
    RF_SYM_CLASS,
    RF_SYM_CODESET,
    RF_SYM_CONDITION,
    RF_SYM_OBSERVATION,
    RF_SYM_PROCEDURE,
    RF_SYM_FLAG,
    RF_SYM_DEFINITION,
    RF_SYM_SCORE,
    RF_SYM_STRATEGY
} rf_sym_kind;

typedef struct rf_type {
    uint8_t kind; /* rf_tkind */
    uint8_t dim;  /* rf_dim, for NUM */
    uint8_t rec;  /* rf_rec_kind, for REC and LIST */
    uint8_t sym;  /* rf_sym_kind, for SYM */
} rf_type;

/* ---- syntax tree ------------------------------------------------------------------------- */

typedef enum rf_node_kind {
    RF_N_NUM,
    RF_N_STR,
    RF_N_BOOL,
    RF_N_IDENT,   /* unresolved name; check.c rewrites it into one of the next five */
    RF_N_SLOT,    /* a local: let, parameter or comprehension variable (frame slot) */
    RF_N_GLET,    /* a global let without parameters */
    RF_N_BUILTIN, /* a patient fact: as_of, age, trials, ... */
    RF_N_SYM,     /* a knowledge-base id */
    RF_N_FIELD,   /* rec.field */
    RF_N_CALL,    /* f(args): builtin function or global let with parameters */
    RF_N_COMP,    /* f(v in list where cond : value) */
    RF_N_BINARY,
    RF_N_NOT,
    RF_N_NEG,
    RF_N_IF,
    RF_N_IN,      /* x in class | x in (a, b) */
    RF_N_IDLIST
} rf_node_kind;

typedef enum rf_binop {
    RF_OP_AND,
    RF_OP_OR,
    RF_OP_EQ,
    RF_OP_NE,
    RF_OP_LT,
    RF_OP_LE,
    RF_OP_GT,
    RF_OP_GE,
    RF_OP_ADD,
    RF_OP_SUB,
    RF_OP_MUL,
    RF_OP_DIV
} rf_binop;

typedef struct rf_node rf_node;
struct rf_node {
    uint8_t kind;   /* rf_node_kind */
    uint8_t op;     /* rf_binop for BINARY; function id for CALL/COMP; builtin id; field id */
    rf_type type;   /* filled by check.c */
    int nargs;
    int slot;         /* SLOT: frame slot; COMP: slot of the bound variable; GLET/CALL: let index */
    int sym_index;    /* SYM: index into the kb table of its kind */
    rf_pos pos;
    const char *name; /* IDENT, FIELD, CALL, COMP, SYM: the name as written */
    double num;       /* NUM; STR: a unit's factor; CALL date(): the date */
    const char *str;  /* STR */
    rf_node *a, *b, *c; /* operands; COMP: a = list, b = where (may be NULL), c = value */
    rf_node **args;     /* CALL, IDLIST */
};

/* ---- runtime values ---------------------------------------------------------------------- */

/* Kleene truth values. */
typedef enum rf_b3 { RF_FALSE = 0, RF_TRUE = 1, RF_UNKNOWN = 2 } rf_b3;

/* Missing data, a short linked list of "what was missing" lines, shared between values.
 * A record's missing field is kept as (record, field) and only spelled out as text when an
 * answer that needs it is rendered: most unknowns never are. */
typedef struct rf_missing {
    const char *what;      /* the text, or NULL while (rec, field) is not yet spelled out */
    const void *rec;
    uint8_t rec_kind;
    uint8_t form;       /* rec == NULL: a text spelled out from field (and field2) when
                           rendered: 1 finding, 2 phenotype, 3 carrier status, 4 flag,
                           5 definition, 6 score not computed, 7 score partly known */
    const char *field;
    const char *field2;
    const struct rf_missing *next;
} rf_missing;

typedef struct rf_elem {
    const void *rec;
    uint8_t member; /* RF_TRUE or RF_UNKNOWN */
    const rf_missing *why;
} rf_elem;

typedef struct rf_list {
    uint8_t rec; /* rf_rec_kind */
    const char *source;      /* what it lists ("phq9"), for missing-data texts ... */
    const char *source_kind; /* ... and of what kind ("observation") */
    size_t n;
    rf_elem *items;
} rf_list;

typedef struct rf_val {
    uint8_t k;      /* rf_tkind of the value */
    uint8_t b;      /* BOOL: rf_b3 */
    uint8_t rec;    /* REC: rf_rec_kind */
    double lo, hi;  /* NUM, DATE: bounds; unknown is [-inf, +inf]; SYM agent: its index */
    union {
        const char *s;  /* STR, SYM: NULL when unknown */
        const void *p;  /* REC: the record; LIST: rf_list*; NULL when unknown */
    };
    const rf_missing *missing;
} rf_val;

#endif
