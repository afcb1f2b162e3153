package io.cocos.cli.agent;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A client stream of file chunks, sent as upstream's progress bar sends them (1 MiB reads, one
 * message each) but no faster than the agent takes them: gRPC's flow control, so a large file is
 * never held in memory.
 */
public final class Uploads {
  public static final int CHUNK_SIZE = 1024 * 1024;

  private Uploads() {}

  /** Where the chunks go; closed with {@link #finish()}. */
  public static final class Sender<Q> {
    private final ClientCallStreamObserver<Q> out;
    private final CompletableFuture<Void> done;
    private final Object lock;

    private Sender(ClientCallStreamObserver<Q> out, CompletableFuture<Void> done, Object lock) {
      this.out = out;
      this.done = done;
      this.lock = lock;
    }

    /** Sends the file's bytes, one message per 1 MiB read (nothing for an empty file). */
    public void sendFile(Path file, Function<com.google.protobuf.ByteString, Q> message)
        throws IOException, InterruptedException {
      byte[] buf = new byte[CHUNK_SIZE];
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
          awaitReady();
          out.onNext(message.apply(com.google.protobuf.ByteString.copyFrom(buf, 0, n)));
        }
      }
    }

    private void awaitReady() throws InterruptedException {
      synchronized (lock) {
        while (!out.isReady() && !done.isDone()) {
          lock.wait(1000); // woken by onReady; the timeout only re-checks
        }
      }
      if (done.isDone()) {
        finishOrThrow(); // the agent ended the call early: its status says why
      }
    }

    /** Half-closes and waits for the agent's answer; its error is thrown as it came. */
    public void finish() throws InterruptedException {
      out.onCompleted();
      finishOrThrow();
    }

    private void finishOrThrow() throws InterruptedException {
      try {
        done.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException s) {
          throw s;
        }
        throw Status.fromThrowable(e.getCause()).asRuntimeException();
      }
    }

    /** Cancels the call (a local file could not be read). */
    public void cancel(String why, Throwable cause) {
      out.cancel(why, cause);
    }
  }

  /**
   * Starts the call; {@code call} is the async stub's method, e.g. {@code stub::algo}.
   *
   * @param <Q> the request message
   * @param <R> the response message
   */
  public static <Q, R> Sender<Q> start(Function<StreamObserver<R>, StreamObserver<Q>> call) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Object lock = new Object();
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<Q>[] holder = new ClientCallStreamObserver[1];
    call.apply(
        new ClientResponseObserver<Q, R>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<Q> requests) {
            holder[0] = requests;
            requests.setOnReadyHandler(
                () -> {
                  synchronized (lock) {
                    lock.notifyAll();
                  }
                });
          }

          @Override
          public void onNext(R value) {}

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
            wake();
          }

          @Override
          public void onCompleted() {
            done.complete(null);
            wake();
          }

          private void wake() {
            synchronized (lock) {
              lock.notifyAll();
            }
          }
        });
    return new Sender<>(holder[0], done, lock);
  }
}
