package io.tensorbox.e2e.bench;

import io.tensorbox.e2e.Api;

/** Timings through the public API that both benchmarks take the same way. */
final class ApiTimings {
    private ApiTimings() {
    }

    /** POST of a long-running process until its 201; the process is killed afterwards, untimed. */
    static long startProcess(String sandbox) {
        long t0 = System.nanoTime();
        String id = Api.startProcess(sandbox, "sleep", "1000").getString("id");
        long elapsed = System.nanoTime() - t0;
        Api.as(Api.developer()).delete("/v1/sandboxes/{id}/processes/{p}", sandbox, id);
        return elapsed;
    }
}
