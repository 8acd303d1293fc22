/* A stand-in for a UnionPay terminal module's self-service library (UMS_* calls), for the vendor backend's tests.
 * Everything lives in $FAKE_MISPOS_DIR:
 *   outcome     the next sales' outcome: approved (no file), "declined 51", no_card, card_removed, pin_cancelled
 *   hang        "FUNCTION" never returns when called ("UMS_TransCard:sale": only that kind of transaction);
 *               "UMS_TransCard:sale after" records the sale, then never returns; a last word "once" removes
 *               the file as the hang begins (the next process recovers)
 *   init_fail   UMS_Init returns 3 while it exists
 *   calls       every call appended, one name a line (tests read what the driver did)
 *   order-ID    the terminal's record of one order: state amount code rrn auth trace
 *   sequence    the last retrieval reference number given
 * The card number is returned whole, as some modules do: the driver must mask it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CARD "6222021234567890123"

static int initialised = 0, slot = 0, removed = 0;
static char outcome[64] = "approved";
static int decline_code = 51;

static const char *path(const char *name) {
    static char buffer[4096];
    snprintf(buffer, sizeof buffer, "%s/%s", getenv("FAKE_MISPOS_DIR"), name);
    return buffer;
}

static void called(const char *function) {
    FILE *file = fopen(path("calls"), "a");
    if (file) { fprintf(file, "%s\n", function); fclose(file); }
}

/* hang: "FUNCTION [after] [once]"; once: the file is removed as the hang begins, so the next process recovers. */
static void maybe_hang(const char *function, const char *when) {
    char wanted[64] = "", first[16] = "", second[16] = "";
    FILE *file = fopen(path("hang"), "r");
    if (!file) return;
    int got = fscanf(file, "%63s %15s %15s", wanted, first, second);
    fclose(file);
    if (got < 1 || strcmp(wanted, function) != 0) return;
    int after = strcmp(first, "after") == 0, once = strcmp(first, "once") == 0 || strcmp(second, "once") == 0;
    if (after != (strcmp(when, "after") == 0)) return;
    if (once) unlink(path("hang"));
    for (;;) pause();
}

static void load_outcome(void) {
    FILE *file = fopen(path("outcome"), "r");
    strcpy(outcome, "approved");
    decline_code = 51;
    if (!file) return;
    if (fscanf(file, "%63s %d", outcome, &decline_code) < 1) strcpy(outcome, "approved");
    fclose(file);
}

int UMS_Init(const char *device) {
    called("UMS_Init");
    maybe_hang("UMS_Init", "");
    if (access(path("init_fail"), F_OK) == 0) return 3;
    initialised = 1;
    return 0;
}

int UMS_Close(void) { called("UMS_Close"); initialised = 0; return 0; }

int UMS_EnterCard(void) {
    called("UMS_EnterCard");
    maybe_hang("UMS_EnterCard", "");
    if (!initialised) return 9;
    load_outcome();
    removed = 0;
    slot = strcmp(outcome, "no_card") == 0 ? 0 : 1;
    return 0;
}

int UMS_CheckCard(int *state) {
    called("UMS_CheckCard");
    maybe_hang("UMS_CheckCard", "");
    if (!initialised) return 9;
    *state = removed ? 2 : slot;
    return 0;
}

int UMS_ReadCard(char *pan, int size) {
    called("UMS_ReadCard");
    if (!initialised || !slot) return 9;
    snprintf(pan, size, "%s", CARD);
    return 0;
}

int UMS_StartPin(long amount) { called("UMS_StartPin"); return initialised && slot ? 0 : 9; }

int UMS_GetPinState(int *state, int *digits) {
    called("UMS_GetPinState");
    maybe_hang("UMS_GetPinState", "");
    if (!initialised) return 9;
    if (strcmp(outcome, "pin_cancelled") == 0) { *state = 2; *digits = 2; return 0; }
    if (strcmp(outcome, "card_removed") == 0) { removed = 1; slot = 0; *state = 4; *digits = 3; return 0; }
    *state = 1;
    *digits = 6;
    return 0;
}

int UMS_EjectCard(void) { called("UMS_EjectCard"); slot = 0; return initialised ? 0 : 9; }

/* "key=value|..." → the value of key, or "" */
static void field(const char *text, const char *key, char *out, int size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "%s=", key);
    out[0] = 0;
    for (const char *at = text; (at = strstr(at, pattern)) != NULL; at++) {
        if (at != text && at[-1] != '|') continue;
        at += strlen(pattern);
        int n = 0;
        while (at[n] && at[n] != '|' && n < size - 1) { out[n] = at[n]; n++; }
        out[n] = 0;
        return;
    }
}

typedef struct { char state[16]; long amount; char code[8], rrn[16], auth[8], trace[8]; } record;

static int load(const char *order, record *r) {
    char name[128];
    snprintf(name, sizeof name, "order-%s", order);
    FILE *file = fopen(path(name), "r");
    if (!file) return -1;
    int got = fscanf(file, "%15s %ld %7s %15s %7s %7s", r->state, &r->amount, r->code, r->rrn, r->auth, r->trace);
    fclose(file);
    return got == 6 ? 0 : -1;
}

static void save(const char *order, const record *r) {
    char name[128];
    snprintf(name, sizeof name, "order-%s", order);
    FILE *file = fopen(path(name), "w");
    fprintf(file, "%s %ld %s %s %s %s\n", r->state, r->amount, r->code, r->rrn, r->auth, r->trace);
    fclose(file);
}

static int next_sequence(void) {
    int sequence = 0;
    FILE *file = fopen(path("sequence"), "r");
    if (file) { if (fscanf(file, "%d", &sequence) != 1) sequence = 0; fclose(file); }
    file = fopen(path("sequence"), "w");
    fprintf(file, "%d\n", ++sequence);
    fclose(file);
    return sequence;
}

static void answer(char *out, int size, const char *order, const record *r, int duplicate) {
    snprintf(out, size, "code=%s|order=%s|state=%s|amount=%ld|pan=%s|rrn=%s|auth=%s|trace=%s%s",
             r->code, order, r->state, r->amount, CARD, strcmp(r->rrn, "-") ? r->rrn : "",
             strcmp(r->auth, "-") ? r->auth : "", strcmp(r->trace, "-") ? r->trace : "",
             duplicate ? "|duplicate=1" : "");
}

int UMS_TransCard(const char *request, char *out, int size) {
    char trans[16], order[40], amount[16];
    record r;
    char kind[48];
    called("UMS_TransCard");
    field(request, "trans", trans, sizeof trans);
    field(request, "order", order, sizeof order);
    field(request, "amount", amount, sizeof amount);
    snprintf(kind, sizeof kind, "UMS_TransCard:%s", trans);
    maybe_hang("UMS_TransCard", "");
    maybe_hang(kind, "");
    if (!initialised) return 9;
    if (!order[0] || strchr(order, '/')) return 8;
    if (strcmp(trans, "sale") == 0) {
        if (load(order, &r) == 0) { answer(out, size, order, &r, 1); return 0; }
        memset(&r, 0, sizeof r);
        r.amount = atol(amount);
        if (strcmp(outcome, "declined") == 0) {
            strcpy(r.state, "declined");
            snprintf(r.code, sizeof r.code, "%02d", decline_code);
            strcpy(r.rrn, "-"); strcpy(r.auth, "-"); strcpy(r.trace, "-");
        } else {
            int sequence = next_sequence();
            strcpy(r.state, "approved");
            strcpy(r.code, "00");
            snprintf(r.rrn, sizeof r.rrn, "%012d", sequence);
            snprintf(r.auth, sizeof r.auth, "%06d", (sequence * 7919) % 1000000);
            snprintf(r.trace, sizeof r.trace, "%06d", sequence);
        }
        save(order, &r);
        maybe_hang("UMS_TransCard", "after");
        maybe_hang(kind, "after");
        answer(out, size, order, &r, 0);
        return 0;
    }
    if (load(order, &r) != 0) { snprintf(out, size, "code=25|order=%s|state=none", order); return 0; }
    if ((strcmp(trans, "void") == 0 || strcmp(trans, "refund") == 0) && strcmp(r.state, "approved") == 0) {
        strcpy(r.state, strcmp(trans, "void") == 0 ? "voided" : "refunded");
        save(order, &r);
    } else if (strcmp(trans, "query") && strcmp(trans, "void") && strcmp(trans, "refund")) {
        return 8;
    }
    answer(out, size, order, &r, 0);
    return 0;
}
