package io.tensorbox.logs.web;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP server closes a connection that carried no byte for {@code quarkus.http.idle-timeout}.
 * That guards every ordinary connection, but a follow of a process that prints nothing is silent
 * by nature and must stay open: its connection is exempted (Vert.x offers the timeout per server
 * only, so its Netty handler is removed from that one connection). The caller closes the
 * connection when the follow ends ({@link #keepOpenUntilEnd}), so the exemption never outlives
 * the follow, which is bounded anyway: its checks have deadlines, and it ends with the process's
 * log writer, with its own deadline ({@code tensorbox.logs.follow-timeout}), or when either side
 * goes away.
 */
public final class IdleTimeout {

    private IdleTimeout() {
    }

    /**
     * Exempts the connection of this request from the idle timeout for the life of the response,
     * then closes it (the response says {@code Connection: close}).
     */
    public static void keepOpenUntilEnd(RoutingContext ctx) {
        if (lift(ctx.request())) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            // also after an error answer; Vert.x flushes what was written before it closes
            ctx.addEndHandler(ended -> ctx.request().connection().close());
        }
    }

    /** @return whether the connection of this HTTP/1.x request is now exempt from the idle timeout */
    static boolean lift(HttpServerRequest request) {
        if (request.version() == HttpVersion.HTTP_2 || !(request.connection() instanceof ConnectionBase connection)) {
            return false; // an HTTP/2 connection is shared by other streams: keep its timeout
        }
        ChannelPipeline pipeline = connection.channel().pipeline();
        if (pipeline.get(IdleStateHandler.class) != null) {
            pipeline.remove(IdleStateHandler.class);
        }
        return true;
    }
}
