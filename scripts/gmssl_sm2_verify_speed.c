/* GmSSL's SM2 verification rate on one core, the same work as profile/examples/
 * sm2_verify_speed.rs: Z for the default identifier, SM3 over Z and a 512-byte message, and
 * the DER signature checked. Built and run by scripts/bench-sm2.sh against the GmSSL that
 * ../shared/interop/build-gmssl.sh builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gmssl/sm2.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	SM2_KEY key;
	SM2_SIGN_CTX sign_ctx;
	SM2_VERIFY_CTX verify_ctx;
	uint8_t message[512];
	uint8_t sig[SM2_MAX_SIGNATURE_SIZE];
	size_t siglen;
	unsigned long done = 0;
	double start, elapsed;

	memset(message, 0x42, sizeof(message));
	if (sm2_key_generate(&key) != 1
		|| sm2_sign_init(&sign_ctx, &key, SM2_DEFAULT_ID, SM2_DEFAULT_ID_LENGTH) != 1
		|| sm2_sign_update(&sign_ctx, message, sizeof(message)) != 1
		|| sm2_sign_finish(&sign_ctx, sig, &siglen) != 1) {
		fprintf(stderr, "signing failed\n");
		return 1;
	}
	start = now();
	do {
		for (int i = 0; i < 64; i++) {
			if (sm2_verify_init(&verify_ctx, &key, SM2_DEFAULT_ID, SM2_DEFAULT_ID_LENGTH) != 1
				|| sm2_verify_update(&verify_ctx, message, sizeof(message)) != 1
				|| sm2_verify_finish(&verify_ctx, sig, siglen) != 1) {
				fprintf(stderr, "verification failed\n");
				return 1;
			}
		}
		done += 64;
		elapsed = now() - start;
	} while (elapsed < seconds);
	printf("GmSSL SM2 verify, 512-byte message with Z: %lu in %.2f s, %.0f/s, %.1f us each\n",
		done, elapsed, done / elapsed, elapsed * 1e6 / done);
	return 0;
}
