/* fmt.h: output helpers shared by iar-stat and the CGI: numbers, times,
 * sizes and durations as iar shows them; CSV, TSV and JSON escaping; user
 * names; and the machine form of a job (the columns of schema
 * "iar-stat/1", which the CGI's "iar-cgi/1" reuses for jobs).
 *
 * Promises: everything appends to a struct buf or writes into a caller's
 * array of the size stated; JSON, CSV and TSV output is always valid
 * UTF-8 without control characters (bytes that are not UTF-8 become
 * U+FFFD); CSV follows RFC 4180; TSV values never hold a tab or a line
 * break; no CSV or TSV value starts a spreadsheet formula. Nothing here
 * prints or exits. */
#ifndef IAR_FMT_H
#define IAR_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "view.h"

/* Decimal digits into out (at least 21 bytes for u64, 22 for i64);
 * return out. */
char *fmt_u64(uint64_t v, char *out);
/* How a job exited, as the listings show it: "SIG9", "0", or "-"
 * when not known (exit_code < 0, no signal). Returns out. */
char *fmt_exit(int signal, int exit_code, char *out, size_t n);
char *fmt_i64(int64_t v, char *out);
/* Seconds with six decimals ("12.000345") from microseconds, into out
 * (at least 28 bytes). */
void fmt_secs_us(uint64_t us, char *out);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s does not
 * start one (overlong forms and surrogates are not valid). */
size_t fmt_utf8_len(const unsigned char *s);

/* A JSON string with its quotes: quotes, backslashes and control bytes
 * escaped, bytes that are not UTF-8 replaced by U+FFFD. */
void fmt_json_str(struct buf *b, const char *s);
/* A CSV field (RFC 4180) or a TSV field, safe in a spreadsheet:
 * tabs, CRs and LFs become spaces, other control characters and bytes
 * that are not UTF-8 become U+FFFD; a value that a spreadsheet would
 * take for a formula (fmt_cell_formula) gets a leading "'" (OWASP, "CSV
 * injection"). CSV quotes a value holding a comma or a quote, or that
 * was so marked; TSV never quotes. */
void fmt_csv_field(struct buf *b, const char *s);
void fmt_tsv_field(struct buf *b, const char *s);
/* 1 if s starts with =, +, -, @, a tab or a CR and is not a negative
 * number such as -1 or -0.5. */
int fmt_cell_formula(const char *s);

/* Local "YYYY-MM-DD HH:MM:SS" for people ("-" if us <= 0); a static
 * string, valid until the next call. */
const char *fmt_time_local(int64_t us);
/* UTC ISO 8601 with milliseconds into out (at least 32 bytes); returns
 * out, or "" if us <= 0. */
const char *fmt_time_iso(int64_t us, char *out);
/* "HH:MM:SS" or "D-HH:MM:SS", as Slurm shows durations. */
void fmt_duration(uint64_t secs, char *out, size_t n);
/* "64M", "2G", "1536K", "100B"; "-" for 0. */
void fmt_size(uint64_t bytes, char *out, size_t n);

/* A user's name for display, cached per uid (the number if the uid has
 * no name, "" for (uid_t)-1). Valid until fmt_user_free(). NULL only if
 * out of memory. */
const char *fmt_user_name(uid_t uid);
void fmt_user_free(void);

/* Seconds a job has run, or -1 if it has not started. */
int64_t fmt_job_elapsed(const struct view_job *v, int64_t now_us);

/* The machine columns of a job, in order (iar-stat(1) documents them). */
enum { FMT_JOB_NCOLS = 31 };
extern const char *const fmt_job_cols[FMT_JOB_NCOLS];
enum fmt_kind { FMT_CSV, FMT_TSV, FMT_JSON };
/* One job as a JSON object ("{...}", no separator) or as a CSV or TSV
 * line (with its "\n"). user is the owner's name as it should show. */
void fmt_job_row(struct buf *b, enum fmt_kind kind, const struct view_job *v,
    const char *user, int64_t now_us);
/* The CSV or TSV header line of those columns, with its "\n". */
void fmt_job_header(struct buf *b, enum fmt_kind kind);

#endif
