/* Creates one engine on the device named by argv[1] (cpu, cuda or auto) through libpastiche's C
 * ABI and prints what a host would see: the status, and the error or the device used and why
 * auto fell back. tests/cuda/run.sh checks the lines. */
#include <stdio.h>
#include <string.h>

#include <pastiche.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s cpu|cuda|auto\n", argv[0]);
        return 2;
    }
    pastiche_engine_options options;
    pastiche_engine_options_init(&options, sizeof options);
    options.device = strcmp(argv[1], "cuda") == 0   ? PASTICHE_DEVICE_CUDA
                     : strcmp(argv[1], "auto") == 0 ? PASTICHE_DEVICE_AUTO
                                                    : PASTICHE_DEVICE_CPU;
    options.threads = 1;
    pastiche_engine *engine = NULL;
    pastiche_status status = pastiche_engine_create(&options, &engine);
    if (status != PASTICHE_OK) {
        printf("status %d\nerror %s\n", (int)status, pastiche_last_error());
        return 1;
    }
    pastiche_engine_info info;
    info.struct_size = sizeof info;
    if (pastiche_engine_get_info(engine, &info) != PASTICHE_OK) {
        printf("info failed: %s\n", pastiche_last_error());
        return 1;
    }
    printf("status 0\ndevice %s\nruntime %s\nfallback %s\n", info.device == PASTICHE_DEVICE_CUDA ? "cuda" : "cpu",
           info.runtime_path, info.fallback_reason);
    pastiche_engine_destroy(engine);
    return 0;
}
