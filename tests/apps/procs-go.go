package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	ch := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			time.Sleep(time.Duration(n) * 5 * time.Millisecond)
			ch <- n * n
		}(i)
	}
	go func() { wg.Wait(); close(ch) }()
	sum := 0
	for v := range ch {
		sum += v
	}
	fmt.Println("sum of squares", sum)
	t0 := time.Now()
	time.Sleep(100 * time.Millisecond)
	el := time.Since(t0)
	fmt.Println("slept about 100ms:", el >= 100*time.Millisecond && el < 300*time.Millisecond)
	timer := time.NewTimer(50 * time.Millisecond)
	tick := time.NewTicker(10 * time.Millisecond)
	ticks := 0
loop:
	for {
		select {
		case <-tick.C:
			ticks++
		case <-timer.C:
			break loop
		}
	}
	tick.Stop()
	fmt.Println("ticker ran:", ticks >= 2)
	var mu sync.Mutex
	total := 0
	var wg2 sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg2.Add(1)
		go func() { defer wg2.Done(); for j := 0; j < 1000; j++ { mu.Lock(); total++; mu.Unlock() } }()
	}
	wg2.Wait()
	fmt.Println("mutex total", total)
}
