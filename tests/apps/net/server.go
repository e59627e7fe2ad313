// A Go net/http server for tests/apps/net.sh: GET /hello, and /sum?n=N computed by goroutines.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
)

func main() {
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello from go") })
	http.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		var mu sync.Mutex
		var wg sync.WaitGroup
		total := 0
		for i := 1; i <= n; i++ {
			wg.Add(1)
			go func(v int) { defer wg.Done(); mu.Lock(); total += v; mu.Unlock() }(i)
		}
		wg.Wait()
		fmt.Fprintln(w, total)
	})
	if err := http.ListenAndServe(":"+os.Args[1], nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
