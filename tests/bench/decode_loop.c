// llama.cpp's own decode loop, with nothing else per token: the baseline of
// tests/bench/bench_generation.py.
//
//   decode_loop MODEL N_TOKENS THREADS [--prompt TEXT | --tokens ID,ID,...] [--chat]
//               [--ctx N] [--batch N] [--ubatch N] [--threads-batch N]
//               [--chat-template NAME] [--flash-attn 0|1] [--kv-type f16|q8_0|q4_0] [--serve]
//
// The prompt is decoded in one batch (n_batch permitting), then N_TOKENS tokens are
// generated: each one is llama_sampler_sample (a chain holding only the greedy sampler)
// and llama_decode of that one token. End-of-generation does not stop the loop, so
// exactly N_TOKENS tokens come out. The rate is taken from the first sampled token to the
// last: (N_TOKENS - 1) / elapsed, prompt processing excluded.
//
// One run prints one line of key=value pairs:
//   tokens=128 prompt_tokens=21 prompt_s=0.0412 decode_s=2.8100 tok_s=45.196 first_eog=97
// (first_eog: index of the first end-of-generation token sampled, -1 for none).
// With --serve the model is loaded once, "ready" is printed, and each line read from
// stdin starts one run (an empty line: N_TOKENS tokens, else the number on it) until EOF.
// --chat wraps the prompt text as one user message in the model's chat template
// (llama_chat_apply_template), as the app does; for a GGUF without a template,
// --chat-template names one of llama.cpp's built-in ones (gemma, chatml, llama3...).

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llama.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void quiet_log(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

static void usage(void) {
    fprintf(stderr,
            "usage: decode_loop MODEL N_TOKENS THREADS [--prompt TEXT | --tokens ID,ID,...]\n"
            "       [--chat] [--chat-template NAME] [--ctx N] [--batch N] [--ubatch N]\n"
            "       [--threads-batch N] [--flash-attn 0|1] [--kv-type f16|q8_0|q4_0]\n"
            "       [--serve]\n");
}

static int parse_int(const char *s, const char *what) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0') {
        fprintf(stderr, "decode_loop: %s is not a number: %s\n", what, s);
        exit(2);
    }
    return (int)v;
}

// Token ids from "1,2,3"; returns the count, fills *out (malloc'd).
static int parse_ids(const char *s, llama_token **out) {
    int cap = 16, n = 0;
    llama_token *ids = malloc(sizeof(llama_token) * cap);
    const char *p = s;
    while (*p) {
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p) {
            fprintf(stderr, "decode_loop: bad token list near: %s\n", p);
            exit(2);
        }
        if (n == cap) {
            cap *= 2;
            ids = realloc(ids, sizeof(llama_token) * cap);
        }
        ids[n++] = (llama_token)v;
        p = end;
        while (*p == ',' || *p == ' ') {
            p++;
        }
    }
    *out = ids;
    return n;
}

// The prompt text in the model's chat template, or NULL when it has none we can apply.
static char *chat_prompt(const struct llama_model *model, const char *text, const char *name) {
    const char *tmpl = llama_model_chat_template(model, NULL);
    if (tmpl == NULL) {
        tmpl = name;
    }
    if (tmpl == NULL) {
        return NULL;
    }
    struct llama_chat_message msg = {"user", text};
    int32_t size = (int32_t)(2 * strlen(text) + 1024);
    char *buf = malloc(size);
    int32_t n = llama_chat_apply_template(tmpl, &msg, 1, true, buf, size);
    if (n > size) {
        buf = realloc(buf, n + 1);
        n = llama_chat_apply_template(tmpl, &msg, 1, true, buf, n + 1);
    }
    if (n < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int tokenize(const struct llama_vocab *vocab, const char *text, llama_token **out) {
    int32_t len = (int32_t)strlen(text);
    int32_t cap = len + 16;
    llama_token *ids = malloc(sizeof(llama_token) * cap);
    int32_t n = llama_tokenize(vocab, text, len, ids, cap, true, true);
    if (n < 0) {
        cap = -n;
        ids = realloc(ids, sizeof(llama_token) * cap);
        n = llama_tokenize(vocab, text, len, ids, cap, true, true);
    }
    if (n < 0) {
        fprintf(stderr, "decode_loop: could not tokenize the prompt\n");
        exit(1);
    }
    *out = ids;
    return n;
}

// One generation; returns 0 on success.
static int run_once(struct llama_context *ctx, const struct llama_vocab *vocab,
                    llama_token *prompt, int n_prompt, int n_batch, int n_tokens) {
    llama_memory_clear(llama_get_memory(ctx), true);
    struct llama_sampler *chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());

    double t_prompt = now_s();
    for (int start = 0; start < n_prompt; start += n_batch) {
        int n = n_prompt - start < n_batch ? n_prompt - start : n_batch;
        if (llama_decode(ctx, llama_batch_get_one(prompt + start, n)) != 0) {
            fprintf(stderr, "decode_loop: llama_decode failed on the prompt\n");
            llama_sampler_free(chain);
            return 1;
        }
    }

    llama_token token = llama_sampler_sample(chain, ctx, -1);
    double t_first = now_s();  // the first token is sampled: the decode phase starts
    int first_eog = llama_vocab_is_eog(vocab, token) ? 0 : -1;
    for (int i = 1; i < n_tokens; i++) {
        if (llama_decode(ctx, llama_batch_get_one(&token, 1)) != 0) {
            fprintf(stderr, "decode_loop: llama_decode failed at token %d\n", i);
            llama_sampler_free(chain);
            return 1;
        }
        token = llama_sampler_sample(chain, ctx, -1);
        if (first_eog < 0 && llama_vocab_is_eog(vocab, token)) {
            first_eog = i;
        }
    }
    double t_last = now_s();
    llama_sampler_free(chain);

    double decode_s = t_last - t_first;
    double rate = n_tokens > 1 && decode_s > 0 ? (n_tokens - 1) / decode_s : 0.0;
    printf("tokens=%d prompt_tokens=%d prompt_s=%.4f decode_s=%.4f tok_s=%.3f first_eog=%d\n",
           n_tokens, n_prompt, t_first - t_prompt, decode_s, rate, first_eog);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        usage();
        return 2;
    }
    const char *model_path = argv[1];
    int n_tokens = parse_int(argv[2], "N_TOKENS");
    int threads = parse_int(argv[3], "THREADS");
    const char *prompt_text = "Write a long story about a lighthouse keeper.";
    const char *prompt_ids = NULL;
    const char *template_name = NULL;
    bool chat = false, serve = false;
    int n_ctx = 8192, n_batch = 512, n_ubatch = 512, threads_batch = threads, flash_attn = 0;
    enum ggml_type kv_type = GGML_TYPE_F16;

    for (int i = 4; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--chat") == 0) {
            chat = true;
        } else if (strcmp(a, "--serve") == 0) {
            serve = true;
        } else if (!has_value) {
            usage();
            return 2;
        } else if (strcmp(a, "--prompt") == 0) {
            prompt_text = argv[++i];
        } else if (strcmp(a, "--chat-template") == 0) {
            template_name = argv[++i];
        } else if (strcmp(a, "--tokens") == 0) {
            prompt_ids = argv[++i];
        } else if (strcmp(a, "--ctx") == 0) {
            n_ctx = parse_int(argv[++i], a);
        } else if (strcmp(a, "--batch") == 0) {
            n_batch = parse_int(argv[++i], a);
        } else if (strcmp(a, "--ubatch") == 0) {
            n_ubatch = parse_int(argv[++i], a);
        } else if (strcmp(a, "--threads-batch") == 0) {
            threads_batch = parse_int(argv[++i], a);
        } else if (strcmp(a, "--flash-attn") == 0) {
            flash_attn = parse_int(argv[++i], a);
        } else if (strcmp(a, "--kv-type") == 0) {
            const char *t = argv[++i];
            if (strcmp(t, "f16") == 0) {
                kv_type = GGML_TYPE_F16;
            } else if (strcmp(t, "q8_0") == 0) {
                kv_type = GGML_TYPE_Q8_0;
            } else if (strcmp(t, "q4_0") == 0) {
                kv_type = GGML_TYPE_Q4_0;
            } else {
                fprintf(stderr, "decode_loop: unknown --kv-type %s\n", t);
                return 2;
            }
        } else {
            usage();
            return 2;
        }
    }
    if (n_tokens < 1 || threads < 1) {
        fprintf(stderr, "decode_loop: N_TOKENS and THREADS must be positive\n");
        return 2;
    }

    llama_log_set(quiet_log, NULL);
    llama_backend_init();

    struct llama_model_params mparams = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(model_path, mparams);
    if (model == NULL) {
        fprintf(stderr, "decode_loop: could not load %s\n", model_path);
        return 1;
    }
    const struct llama_vocab *vocab = llama_model_get_vocab(model);

    // As llama-cpp-python's Llama sets them (n_ubatch <= n_batch, perf timings on).
    struct llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = (uint32_t)n_ctx;
    cparams.n_batch = (uint32_t)(n_batch < n_ctx ? n_batch : n_ctx);
    cparams.n_ubatch = (uint32_t)(n_ubatch < (int)cparams.n_batch ? n_ubatch : (int)cparams.n_batch);
    cparams.n_threads = threads;
    cparams.n_threads_batch = threads_batch;
    cparams.flash_attn_type =
        flash_attn ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cparams.type_k = kv_type;
    cparams.type_v = kv_type;
    cparams.no_perf = false;
    struct llama_context *ctx = llama_init_from_model(model, cparams);
    if (ctx == NULL) {
        fprintf(stderr, "decode_loop: could not create a context\n");
        llama_model_free(model);
        return 1;
    }

    llama_token *prompt = NULL;
    int n_prompt;
    if (prompt_ids != NULL) {
        n_prompt = parse_ids(prompt_ids, &prompt);
    } else {
        char *templated = chat ? chat_prompt(model, prompt_text, template_name) : NULL;
        if (chat && templated == NULL) {
            fprintf(stderr, "decode_loop: no usable chat template; the prompt is used as is\n");
        }
        n_prompt = tokenize(vocab, templated ? templated : prompt_text, &prompt);
        free(templated);
    }
    if (n_prompt < 1 || n_prompt + n_tokens > n_ctx) {
        fprintf(stderr, "decode_loop: %d prompt tokens + %d tokens do not fit a context of %d\n",
                n_prompt, n_tokens, n_ctx);
        return 1;
    }

    int rc = 0;
    if (!serve) {
        rc = run_once(ctx, vocab, prompt, n_prompt, (int)cparams.n_batch, n_tokens);
    } else {
        printf("ready prompt_tokens=%d\n", n_prompt);
        fflush(stdout);
        char line[64];
        while (rc == 0 && fgets(line, sizeof line, stdin) != NULL) {
            int n = n_tokens;
            if (line[0] != '\n' && line[0] != '\0') {
                n = atoi(line);
            }
            if (n < 1 || n_prompt + n > n_ctx) {
                fprintf(stderr, "decode_loop: bad token count: %s", line);
                rc = 2;
                break;
            }
            rc = run_once(ctx, vocab, prompt, n_prompt, (int)cparams.n_batch, n);
        }
    }

    free(prompt);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return rc;
}
