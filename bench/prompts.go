package bench

import (
	"math/rand/v2"
	"strings"
)

// promptWords are what the seeded prompts are drawn from: plain words, so
// that every tokenizer splits them alike from run to run.
var promptWords = strings.Fields(`isolation kernel sandbox container runtime gvisor kata firecracker
microvm agent tool retrieval vector index model server request token batch cache memory node pod
cluster policy network egress service account secret image layer process syscall boundary guest
host device driver scheduler latency throughput budget report finding evidence audit`)

// Prompts returns n prompts drawn from seed: the same seed gives the
// same load on every runtime and every run.
func Prompts(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0x7469657267617465)) // "tiergate"
	out := make([]string, n)
	for i := range out {
		words := make([]string, 24+r.IntN(24))
		for j := range words {
			words[j] = promptWords[r.IntN(len(promptWords))]
		}
		out[i] = "Write a short technical note that uses these words: " + strings.Join(words, ", ") + "."
	}
	return out
}
