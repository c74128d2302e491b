#!/usr/bin/env python3
"""Write a tiny random llama-architecture GGUF (about 600 KB) for tests.

usage: make_tiny_gguf.py OUT.gguf

SPM vocabulary of 450 tokens (unk/bos/eos, ChatML markers, 256 byte tokens, printable ASCII
pieces), 2 layers of width 64, a ChatML chat template. Output rows of control and byte tokens
are zeroed, so generations are deterministic printable ASCII. Seeded: the same file every time.
"""
import sys

import numpy as np
import gguf

N_EMBD, N_LAYER, N_HEAD, N_FF, N_CTX = 64, 2, 4, 128, 4096


def vocab():
    tokens, scores, types = [], [], []
    def add(t, s, ty):
        tokens.append(t.encode("utf-8")); scores.append(s); types.append(ty)
    add("<unk>", 0.0, gguf.TokenType.UNKNOWN)
    add("<s>", 0.0, gguf.TokenType.CONTROL)
    add("</s>", 0.0, gguf.TokenType.CONTROL)
    add("<|im_start|>", 0.0, gguf.TokenType.CONTROL)
    add("<|im_end|>", 0.0, gguf.TokenType.CONTROL)
    for b in range(256):
        add(f"<0x{b:02X}>", 0.0, gguf.TokenType.BYTE)
    pieces = ["\u2581"] + [chr(c) for c in range(33, 127)] + ["\u2581" + chr(c) for c in range(65, 91)] + \
             ["\u2581" + chr(c) for c in range(97, 123)]
    for i, p in enumerate(pieces):
        add(p, -float(i) / 10.0, gguf.TokenType.NORMAL)
    while len(tokens) < 450:
        add(f"\u2581w{len(tokens)}", -100.0, gguf.TokenType.NORMAL)
    return tokens, scores, types


def main() -> int:
    out = sys.argv[1]
    rng = np.random.default_rng(42)
    tokens, scores, types = vocab()
    n_vocab = len(tokens)
    w = gguf.GGUFWriter(out, "llama")
    w.add_name("herald-tiny")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(4)
    w.add_unk_token_id(0)
    w.add_add_bos_token(False)
    w.add_chat_template(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

    def t(name, *shape, scale=0.2):
        w.add_tensor(name, (rng.standard_normal(shape) * scale).astype(np.float32))

    t("token_embd.weight", n_vocab, N_EMBD)
    for i in range(N_LAYER):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for n in ("attn_q", "attn_k", "attn_v", "attn_output"):
            t(f"blk.{i}.{n}.weight", N_EMBD, N_EMBD)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        t(f"blk.{i}.ffn_gate.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_down.weight", N_EMBD, N_FF)
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    out_w = (rng.standard_normal((n_vocab, N_EMBD)) * 0.5).astype(np.float32)
    out_w[:261] = 0.0  # never emit control or byte tokens: output stays printable ASCII
    out_w[4] = 0.05     # ...except <|im_end|>, weakly, so replies can end on their own
    w.add_tensor("output.weight", out_w)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
