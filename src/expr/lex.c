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

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_unit_char(char c)
{
    return is_ident_char(c) || c == '/' || c == '.' || c == '*' || c == '[' || c == ']' ||
           c == '{' || c == '}' || c == '%' || c == '^' || ((unsigned char)c & 0x80);
}

static rf_token make(rf_lexer *lx, rf_tok_kind k, rf_pos pos, const char *start)
{
    rf_token t;
    memset(&t, 0, sizeof t);
    t.kind = k;
    t.pos = pos;
    t.text = start;
    t.len = (size_t)(lx->cur - start);
    return t;
}

static rf_token lex_error(rf_lexer *lx, rf_pos pos, const char *start, const char *msg)
{
    lx->error = msg;
    if (lx->cur == start && lx->cur < lx->end)
        advance(lx);
    return make(lx, RF_TOK_ERROR, pos, start);
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
    if (!rf_unit_lookup(u, (size_t)(p - u), &unit))
        return;
    while (lx->cur < p)
        advance(lx);
    t->has_unit = true;
    t->unit = unit;
    t->num *= unit.factor;
    t->len = (size_t)(lx->cur - t->text);
}

static rf_token lex_number(rf_lexer *lx, rf_pos pos)
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
        if (lx->cur >= lx->end || *lx->cur < '0' || *lx->cur > '9')
            return lex_error(lx, pos, start, "exponent without digits");
        while (lx->cur < lx->end && *lx->cur >= '0' && *lx->cur <= '9') {
            if (e < 400)
                e = e * 10 + (*lx->cur - '0');
            advance(lx);
        }
        v *= pow(10, sign * e);
    }
    rf_token t = make(lx, RF_TOK_NUMBER, pos, start);
    t.num = v;
    lex_unit(lx, &t);
    return t;
}

/* Characters in n bytes of UTF-8: every byte but the continuation bytes (10xxxxxx), counted
 * eight at a time. */
static int utf8_columns(const char *s, size_t n)
{
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t c = w & ~(w << 1) & 0x8080808080808080ull; /* bit 7 set, bit 6 clear */
        cont += (size_t)__builtin_popcountll(c);
    }
    for (; i < n; i++)
        cont += ((unsigned char)s[i] & 0xC0) == 0x80;
    return (int)(n - cont);
}

static rf_token lex_string(rf_lexer *lx, rf_pos pos)
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
            return lex_error(lx, pos, start, "unknown escape in string");
        }
        q = bs + 2;
    }
    if (q >= lx->end || *q != '"') {
        while (lx->cur < q)
            advance(lx);
        return lex_error(lx, pos, start, "unterminated string");
    }
    /* one column per character (UTF-8 continuation bytes do not count) */
    lx->pos.col += utf8_columns(start, (size_t)(q + 1 - start));
    lx->cur = q + 1;
    size_t n = (size_t)(q - body);
    rf_token t = make(lx, RF_TOK_STRING, pos, start);
    char *out = rf_arena_alloc(lx->arena, n + 1);
    if (out == NULL)
        return lex_error(lx, pos, start, "out of memory");
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
    t.str = out;
    return t;
}

static rf_token lex_punct(rf_lexer *lx, rf_pos pos)
{
    const char *start = lx->cur;
    char c = *lx->cur;
    char n = lx->cur + 1 < lx->end ? lx->cur[1] : '\0';
    rf_tok_kind k;
    size_t len = 1;
    switch (c) {
    case '{': k = RF_TOK_LBRACE; break;
    case '}': k = RF_TOK_RBRACE; break;
    case '(': k = RF_TOK_LPAREN; break;
    case ')': k = RF_TOK_RPAREN; break;
    case ',': k = RF_TOK_COMMA; break;
    case ':': k = RF_TOK_COLON; break;
    case '.': k = RF_TOK_DOT; break;
    case '+': k = RF_TOK_PLUS; break;
    case '-': k = RF_TOK_MINUS; break;
    case '*': k = RF_TOK_STAR; break;
    case '/': k = RF_TOK_SLASH; break;
    case '=':
        k = n == '=' ? RF_TOK_EQ : RF_TOK_ASSIGN;
        len = n == '=' ? 2 : 1;
        break;
    case '!':
        if (n != '=')
            return lex_error(lx, pos, start, "'!' must be followed by '=' (use 'not')");
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
    default:
        return lex_error(lx, pos, start, "invalid character");
    }
    while (len--)
        advance(lx);
    return make(lx, k, pos, start);
}

static const char *intern(rf_lexer *lx, const char *s, size_t n, uint32_t hash)
{
    rf_intern *in = lx->intern;
    if (in == NULL)
        return rf_arena_strndup(lx->arena, s, n);
    if ((in->n + 1) * 2 > in->cap) {
        size_t ncap = in->cap ? in->cap * 2 : 4096;
        const char **slots = RF_NEWN(lx->arena, const char *, ncap);
        if (slots == NULL)
            return rf_arena_strndup(lx->arena, s, n);
        for (size_t i = 0; i < in->cap; i++) {
            if (in->slots[i] == NULL)
                continue;
            uint32_t h = 2166136261u;
            for (const char *c = in->slots[i]; *c; c++)
                h = (h ^ (unsigned char)*c) * 16777619u;
            size_t j = h & (ncap - 1);
            while (slots[j])
                j = (j + 1) & (ncap - 1);
            slots[j] = in->slots[i];
        }
        in->slots = slots;
        in->cap = ncap;
    }
    size_t j = hash & (in->cap - 1);
    while (in->slots[j]) {
        if (in->slots[j][0] == s[0] && strncmp(in->slots[j], s, n) == 0 && in->slots[j][n] == '\0')
            return in->slots[j];
        j = (j + 1) & (in->cap - 1);
    }
    const char *copy = rf_arena_strndup(lx->arena, s, n);
    if (copy) {
        in->slots[j] = copy;
        in->n++;
    }
    return copy;
}

rf_token rf_lex_next(rf_lexer *lx)
{
    skip_space_and_comments(lx);
    rf_pos pos = lx->pos;
    if (lx->cur >= lx->end)
        return make(lx, RF_TOK_EOF, pos, lx->cur);
    char c = *lx->cur;
    if (is_ident_start(c)) {
        const char *start = lx->cur;
        uint32_t h = 2166136261u; /* hashed while scanned, for intern() */
        while (lx->cur < lx->end && is_ident_char(*lx->cur)) {
            h = (h ^ (unsigned char)*lx->cur) * 16777619u;
            lx->cur++; /* ASCII only: one column per byte */
        }
        lx->pos.col += (int)(lx->cur - start);
        rf_token t = make(lx, RF_TOK_IDENT, pos, start);
        t.str = intern(lx, start, t.len, h);
        return t;
    }
    if (c >= '0' && c <= '9')
        return lex_number(lx, pos);
    if (c == '"')
        return lex_string(lx, pos);
    return lex_punct(lx, pos);
}
