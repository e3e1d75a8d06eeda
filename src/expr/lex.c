/* lex.c - tokens of the knowledge language. Numbers take a UCUM unit written after them on
 * the same line ("42 d", "20 mg/d", "50 %"), converted here to the dimension's canonical
 * unit, so every later stage sees one unit per dimension. */
#include <math.h>
#include <string.h>

#include "expr.h"

const char *rf_tok_name(rf_tok_kind k)
{
    static const char *const names[] = {
#define X(name, desc) desc,
        RF_TOKEN_LIST(X)
#undef X
    };
    return names[k];
}

void rf_lex_init(rf_lexer *lx, rf_arena *a, const char *file, const char *src, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->src = lx->cur = src;
    lx->end = src + len;
    lx->pos.file = file;
    lx->pos.line = 1;
    lx->pos.col = 1;
    lx->arena = a;
}

static void advance(rf_lexer *lx)
{
    if (*lx->cur == '\n') {
        lx->pos.line++;
        lx->pos.col = 1;
    } else if (((unsigned char)*lx->cur & 0xC0) != 0x80) {
        lx->pos.col++; /* count characters, not UTF-8 continuation bytes */
    }
    lx->cur++;
}

static void skip_space_and_comments(rf_lexer *lx)
{
    const char *c = lx->cur, *end = lx->end;
    const char *line_start = NULL; /* set once a newline is crossed */
    int line = lx->pos.line;
    while (c < end) {
        char ch = *c;
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            c++;
        } else if (ch == '\n') {
            c++;
            line++;
            line_start = c;
        } else if (ch == '#') {
            /* a comment ends at the newline, which the loop then counts */
            const char *nl = memchr(c, '\n', (size_t)(end - c));
            c = nl ? nl : end;
        } else {
            break;
        }
    }
    /* columns: from the last line start (all skipped bytes are ASCII but for comment text,
     * which only ever precedes a newline) */
    if (line_start) {
        lx->pos.line = line;
        lx->pos.col = 1 + (int)(c - line_start);
    } else {
        lx->pos.col += (int)(c - lx->cur);
    }
    lx->cur = c;
}

/* Character classes by table: the identifier loop is the lexer's innermost. */
enum { C_START = 1, C_DIGIT = 2 };
static const unsigned char cclass[256] = {
    ['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
    ['_'] = C_START, ['a'] = C_START, ['b'] = C_START, ['c'] = C_START, ['d'] = C_START,
    ['e'] = C_START, ['f'] = C_START, ['g'] = C_START, ['h'] = C_START, ['i'] = C_START,
    ['j'] = C_START, ['k'] = C_START, ['l'] = C_START, ['m'] = C_START, ['n'] = C_START,
    ['o'] = C_START, ['p'] = C_START, ['q'] = C_START, ['r'] = C_START, ['s'] = C_START,
    ['t'] = C_START, ['u'] = C_START, ['v'] = C_START, ['w'] = C_START, ['x'] = C_START,
    ['y'] = C_START, ['z'] = C_START, ['A'] = C_START, ['B'] = C_START, ['C'] = C_START,
    ['D'] = C_START, ['E'] = C_START, ['F'] = C_START, ['G'] = C_START, ['H'] = C_START,
    ['I'] = C_START, ['J'] = C_START, ['K'] = C_START, ['L'] = C_START, ['M'] = C_START,
    ['N'] = C_START, ['O'] = C_START, ['P'] = C_START, ['Q'] = C_START, ['R'] = C_START,
    ['S'] = C_START, ['T'] = C_START, ['U'] = C_START, ['V'] = C_START, ['W'] = C_START,
    ['X'] = C_START, ['Y'] = C_START, ['Z'] = C_START,
};

static bool is_ident_start(char c)
{
    return cclass[(unsigned char)c] & C_START;
}

static bool is_ident_char(char c)
{
    return cclass[(unsigned char)c] != 0;
}

static bool is_unit_char(char c)
{
    return is_ident_char(c) || c == '/' || c == '.' || c == '*' || c == '[' || c == ']' ||
           c == '{' || c == '}' || c == '%' || c == '^' || ((unsigned char)c & 0x80);
}

/* Tokens are written in place (the parser's current token), not returned by value: a token
 * is a hundred bytes, and copying it twice per token was a tenth of the knowledge load.
 * unit is meaningful only when has_unit is set, so it is left as it was. */
static void make(rf_lexer *lx, rf_token *t, rf_tok_kind k, rf_pos pos, const char *start)
{
    t->kind = k;
    t->pos = pos;
    t->text = start;
    t->len = (size_t)(lx->cur - start);
    t->num = 0;
    t->has_unit = false;
    t->str = NULL;
}

static void lex_error(rf_lexer *lx, rf_token *t, rf_pos pos, const char *start, const char *msg)
{
    lx->error = msg;
    if (lx->cur == start && lx->cur < lx->end)
        advance(lx);
    make(lx, t, RF_TOK_ERROR, pos, start);
}

static bool unit_lookup_memo(rf_lexer *lx, const char *u, size_t n, rf_unit *out)
{
    rf_lex_unit_memo *m = lx->units;
    if (m == NULL || n >= sizeof m->text)
        return rf_unit_lookup(u, n, out);
    size_t slot = ((unsigned char)u[0] + n) % RF_LEX_UNIT_CACHE;
    if (m[slot].len == n && memcmp(m[slot].text, u, n) == 0) {
        *out = m[slot].unit;
        return m[slot].known;
    }
    bool known = rf_unit_lookup(u, n, out);
    memcpy(m[slot].text, u, n);
    m[slot].len = (uint8_t)n;
    m[slot].known = known;
    if (known)
        m[slot].unit = *out;
    return known;
}

/* After a number: an optional unit on the same line, taken only if the unit table knows it,
 * so "2 and" stays a number followed by the keyword. */
static void lex_unit(rf_lexer *lx, rf_token *t)
{
    const char *p = lx->cur;
    while (p < lx->end && (*p == ' ' || *p == '\t'))
        p++;
    const char *u = p;
    while (p < lx->end && is_unit_char(*p))
        p++;
    while (p > u && p[-1] == '.')
        p--;
    if (p == u)
        return;
    rf_unit unit;
    if (!unit_lookup_memo(lx, u, (size_t)(p - u), &unit))
        return;
    while (lx->cur < p)
        advance(lx);
    t->has_unit = true;
    t->unit = unit;
    t->num *= unit.factor;
    t->len = (size_t)(lx->cur - t->text);
}

static void lex_number(rf_lexer *lx, rf_token *t, rf_pos pos)
{
    const char *start = lx->cur;
    double v = 0, scale = 0;
    while (lx->cur < lx->end && *lx->cur >= '0' && *lx->cur <= '9') {
        v = v * 10 + (*lx->cur - '0');
        advance(lx);
    }
    if (lx->cur + 1 < lx->end && *lx->cur == '.' && lx->cur[1] >= '0' && lx->cur[1] <= '9') {
        advance(lx);
        scale = 1;
        while (lx->cur < lx->end && *lx->cur >= '0' && *lx->cur <= '9') {
            scale /= 10;
            v += (*lx->cur - '0') * scale;
            advance(lx);
        }
    }
    if (lx->cur < lx->end && (*lx->cur == 'e' || *lx->cur == 'E') && lx->cur + 1 < lx->end &&
        ((lx->cur[1] >= '0' && lx->cur[1] <= '9') || lx->cur[1] == '-' || lx->cur[1] == '+')) {
        advance(lx);
        int sign = 1, e = 0;
        if (*lx->cur == '-' || *lx->cur == '+') {
            sign = *lx->cur == '-' ? -1 : 1;
            advance(lx);
        }
        if (lx->cur >= lx->end || *lx->cur < '0' || *lx->cur > '9') {
            lex_error(lx, t, pos, start, "exponent without digits");
            return;
        }
        while (lx->cur < lx->end && *lx->cur >= '0' && *lx->cur <= '9') {
            if (e < 400)
                e = e * 10 + (*lx->cur - '0');
            advance(lx);
        }
        v *= pow(10, sign * e);
    }
    make(lx, t, RF_TOK_NUMBER, pos, start);
    t->num = v;
    lex_unit(lx, t);
}

/* Characters in n bytes of UTF-8: every byte but the continuation bytes (10xxxxxx), counted
 * eight at a time. */
static int utf8_columns(const char *s, size_t n)
{
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t c = (w & ~(w << 1) & 0x8080808080808080ull) >> 7; /* bit 7 set, bit 6 clear */
        cont += (size_t)((c * 0x0101010101010101ull) >> 56);       /* sum of the eight 0/1 bytes */
    }
    for (; i < n; i++)
        cont += ((unsigned char)s[i] & 0xC0) == 0x80;
    return (int)(n - cont);
}

static void lex_string(rf_lexer *lx, rf_token *t, rf_pos pos)
{
    const char *start = lx->cur;
    const char *body = start + 1, *q = body;
    bool escapes = false;
    /* memchr finds the closing quote, then any backslash or newline before it: the long
     * citations and labels of a knowledge file cost a few vector compares each */
    for (;;) {
        const char *quote = memchr(q, '"', (size_t)(lx->end - q));
        const char *stop = quote ? quote : lx->end;
        const char *nl = memchr(q, '\n', (size_t)(stop - q));
        const char *bs = memchr(q, '\\', (size_t)((nl ? nl : stop) - q));
        if (bs == NULL) {
            q = nl ? nl : stop;
            break;
        }
        escapes = true;
        if (bs + 1 >= lx->end) {
            q = lx->end;
            break;
        }
        char e = bs[1];
        if (e != 'n' && e != 't' && e != '"' && e != '\\') {
            while (lx->cur < bs)
                advance(lx);
            {
                lex_error(lx, t, pos, start, "unknown escape in string");
                return;
            }
        }
        q = bs + 2;
    }
    if (q >= lx->end || *q != '"') {
        while (lx->cur < q)
            advance(lx);
        {
            lex_error(lx, t, pos, start, "unterminated string");
            return;
        }
    }
    /* one column per character (UTF-8 continuation bytes do not count) */
    lx->pos.col += utf8_columns(start, (size_t)(q + 1 - start));
    lx->cur = q + 1;
    size_t n = (size_t)(q - body);
    make(lx, t, RF_TOK_STRING, pos, start);
    char *out = rf_arena_alloc(lx->arena, n + 1);
    if (out == NULL) {
        lex_error(lx, t, pos, start, "out of memory");
        return;
    }
    size_t j = 0;
    if (!escapes) {
        memcpy(out, body, n);
        j = n;
    } else {
        for (size_t i = 0; i < n; i++) {
            char c = body[i];
            if (c == '\\' && i + 1 < n) {
                char e = body[++i];
                c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
            }
            out[j++] = c;
        }
    }
    out[j] = '\0';
    t->str = out;
}

static void lex_punct(rf_lexer *lx, rf_token *t, rf_pos pos)
{
    const char *start = lx->cur;
    char c = *lx->cur;
    char n = lx->cur + 1 < lx->end ? lx->cur[1] : '\0';
    rf_tok_kind k;
    size_t len = 1;
    switch (c) {
    case '{':
        k = RF_TOK_LBRACE;
        break;
    case '}':
        k = RF_TOK_RBRACE;
        break;
    case '(':
        k = RF_TOK_LPAREN;
        break;
    case ')':
        k = RF_TOK_RPAREN;
        break;
    case ',':
        k = RF_TOK_COMMA;
        break;
    case ':':
        k = RF_TOK_COLON;
        break;
    case '.':
        k = RF_TOK_DOT;
        break;
    case '+':
        k = RF_TOK_PLUS;
        break;
    case '-':
        k = RF_TOK_MINUS;
        break;
    case '*':
        k = RF_TOK_STAR;
        break;
    case '/':
        k = RF_TOK_SLASH;
        break;
    case '=':
        k = n == '=' ? RF_TOK_EQ : RF_TOK_ASSIGN;
        len = n == '=' ? 2 : 1;
        break;
    case '!':
        if (n != '=') {
            lex_error(lx, t, pos, start, "'!' must be followed by '=' (use 'not')");
            return;
        }
        k = RF_TOK_NE;
        len = 2;
        break;
    case '<':
        k = n == '=' ? RF_TOK_LE : RF_TOK_LT;
        len = n == '=' ? 2 : 1;
        break;
    case '>':
        k = n == '=' ? RF_TOK_GE : RF_TOK_GT;
        len = n == '=' ? 2 : 1;
        break;
    default: {
        lex_error(lx, t, pos, start, "invalid character");
        return;
    }
    }
    while (len--)
        advance(lx);
    make(lx, t, k, pos, start);
}

static const char *intern(rf_lexer *lx, const char *s, size_t n, uint32_t hash)
{
    rf_intern *in = lx->intern;
    if (in == NULL || n > UINT32_MAX)
        return rf_arena_strndup(lx->arena, s, n);
    if ((in->n + 1) * 2 > in->cap) {
        size_t ncap = in->cap ? in->cap * 2 : 4096;
        rf_intern_slot *slots = RF_NEWN(lx->arena, rf_intern_slot, ncap);
        if (slots == NULL)
            return rf_arena_strndup(lx->arena, s, n);
        for (size_t i = 0; i < in->cap; i++) {
            if (in->slots[i].s == NULL)
                continue;
            size_t j = in->slots[i].hash & (ncap - 1);
            while (slots[j].s)
                j = (j + 1) & (ncap - 1);
            slots[j] = in->slots[i];
        }
        in->slots = slots;
        in->cap = ncap;
    }
    size_t j = hash & (in->cap - 1);
    while (in->slots[j].s) {
        const rf_intern_slot *x = &in->slots[j];
        if (x->hash == hash && x->len == n && memcmp(x->s, s, n) == 0)
            return x->s;
        j = (j + 1) & (in->cap - 1);
    }
    const char *copy = rf_arena_strndup(lx->arena, s, n);
    if (copy) {
        in->slots[j] = (rf_intern_slot){copy, hash, (uint32_t)n};
        in->n++;
    }
    return copy;
}

void rf_lex_scan(rf_lexer *lx, rf_token *t)
{
    skip_space_and_comments(lx);
    rf_pos pos = lx->pos;
    if (lx->cur >= lx->end) {
        make(lx, t, RF_TOK_EOF, pos, lx->cur);
        return;
    }
    char c = *lx->cur;
    if (is_ident_start(c)) {
        const char *start = lx->cur;
        uint32_t h = 2166136261u; /* hashed while scanned, for intern() */
        const char *q = start, *end = lx->end;
        while (q < end && is_ident_char(*q)) {
            h = (h ^ (unsigned char)*q) * 16777619u;
            q++; /* ASCII only: one column per byte */
        }
        lx->cur = q;
        lx->pos.col += (int)(q - start);
        make(lx, t, RF_TOK_IDENT, pos, start);
        t->str = intern(lx, start, t->len, h);
        return;
    }
    if (c >= '0' && c <= '9') {
        lex_number(lx, t, pos);
        return;
    }
    if (c == '"') {
        lex_string(lx, t, pos);
        return;
    }
    lex_punct(lx, t, pos);
}

rf_token rf_lex_next(rf_lexer *lx)
{
    rf_token t;
    rf_lex_scan(lx, &t);
    return t;
}
