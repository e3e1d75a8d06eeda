/* date.c - calendar dates as day numbers (Howard Hinnant's civil-from-days algorithms), so
 * durations are subtraction and no time zone or locale can shift a date. */
#include <string.h>
#include <time.h>

#include "util.h"

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dm[m - 1];
}

rf_date rf_date_from_ymd(int y, int m, int d)
{
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return RF_DATE_NONE;
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (rf_date)(era * 146097 + doe - 719468);
}

void rf_date_to_ymd(rf_date z0, int *y, int *m, int *d)
{
    int z = z0 + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool rf_date_parse(const char *s, size_t n, rf_date *out)
{
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return false;
    if (n > 10 && s[10] != 'T')
        return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0)
        return false;
    rf_date r = rf_date_from_ymd(y, m, d);
    if (r == RF_DATE_NONE)
        return false;
    *out = r;
    return true;
}

void rf_date_format(rf_date d, char buf[static 11])
{
    int y, m, day;
    if (d == RF_DATE_NONE) {
        memcpy(buf, "unknown", 8);
        return;
    }
    rf_date_to_ymd(d, &y, &m, &day);
    buf[0] = (char)('0' + y / 1000 % 10);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + day / 10);
    buf[9] = (char)('0' + day % 10);
    buf[10] = '\0';
}

rf_date rf_date_today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return rf_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int rf_date_months_between(rf_date a, rf_date b)
{
    int ya, ma, da, yb, mb, db;
    rf_date_to_ymd(a, &ya, &ma, &da);
    rf_date_to_ymd(b, &yb, &mb, &db);
    int months = (yb - ya) * 12 + (mb - ma);
    if (db < da)
        months--;
    return months < 0 ? 0 : months;
}
