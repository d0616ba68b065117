package io.tensorbox.scheduler.commands;

/**
 * One event of a run as it goes out on the SSE stream: its name ({@code start}, {@code stdout},
 * {@code stderr}, {@code exit}, {@code error}) and its data, a JSON text.
 */
public record RunEvent(String name, String data) {
}
