// A minimal Go service for the recipe: a JSON endpoint and net/http/pprof for `pgo collect`.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func main() {
	http.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		total := 0
		for i := 0; i < 1000; i++ {
			total += i * i
		}
		json.NewEncoder(w).Encode(map[string]int{"total": total})
	})
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	log.Fatal(http.ListenAndServe(addr, nil))
}
