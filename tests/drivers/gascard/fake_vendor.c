/* A stand-in for a meter maker's SLE4442 reader library (Mingwah-style API), for the vendor backend's
 * tests. The card lives in $FAKE_GASCARD_DIR/card: 256 bytes of memory, the 3-byte PSC, and the tries
 * left; no such file means an empty reader. If $FAKE_GASCARD_DIR/hang names a function, it never returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char card[260];

static const char *path(const char *name) {
    static char buffer[4096];
    snprintf(buffer, sizeof buffer, "%s/%s", getenv("FAKE_GASCARD_DIR"), name);
    return buffer;
}

static void maybe_hang(const char *function) {
    char wanted[64] = "";
    FILE *file = fopen(path("hang"), "r");
    if (!file) return;
    if (fscanf(file, "%63s", wanted) == 1 && strcmp(wanted, function) == 0) for (;;) pause();
    fclose(file);
}

static int load(void) {
    FILE *file = fopen(path("card"), "rb");
    if (!file) return -1;
    size_t got = fread(card, 1, sizeof card, file);
    fclose(file);
    return got == sizeof card ? 0 : -1;
}

static void save(void) {
    FILE *file = fopen(path("card"), "wb");
    fwrite(card, 1, sizeof card, file);
    fclose(file);
}

int ic_init(int port, long baud) { maybe_hang("ic_init"); return port == 0 ? 7 : -1; }
int ic_exit(int handle) { return 0; }
int chk_4442(int handle) { maybe_hang("chk_4442"); return load() == 0 ? 0 : 1; }

int srd_4442(int handle, int offset, int len, unsigned char *out) {
    maybe_hang("srd_4442");
    if (load() || offset < 0 || offset + len > 256) return 1;
    memcpy(out, card + offset, len);
    return 0;
}

int swr_4442(int handle, int offset, int len, unsigned char *data) {
    maybe_hang("swr_4442");
    if (load() || offset < 0 || offset + len > 256) return 1;
    memcpy(card + offset, data, len);
    save();
    return 0;
}

int csc_4442(int handle, int len, unsigned char *psc) {
    if (load() || len != 3 || card[259] == 0) return 1;
    if (memcmp(psc, card + 256, 3) == 0) { card[259] = 3; save(); return 0; }
    card[259] -= 1;
    save();
    return 2;
}

int rsct_4442(int handle, int *tries) {
    if (load()) return 1;
    *tries = card[259];
    return 0;
}
