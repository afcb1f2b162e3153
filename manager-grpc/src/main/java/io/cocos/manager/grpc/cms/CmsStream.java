package io.cocos.manager.grpc.cms;

import io.cocos.manager.cms.api.CmsMessage;
import io.cocos.manager.cms.api.ManagerMessage;
import io.cocos.manager.cms.api.Request;
import io.cocos.manager.cms.api.Response;
import io.cocos.manager.core.config.BoundedText;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of the {@link CmsLink}: its channel and Connect stream, and the answers waiting to go
 * out on it. gRPC calls it back on its own threads; it only hands the news to its {@link Owner}.
 */
final class CmsStream implements ClientResponseObserver<ManagerMessage, CmsMessage> {
  /** The link's logger: what a stream says is the link's to say. */
  private static final Logger log = LoggerFactory.getLogger(CmsLink.class);

  /** What the link does with a stream's news; called on gRPC's threads. */
  interface Owner {
    /** The stream can take messages (the first time: it is established). */
    void writable(CmsStream stream);

    /** The CMS sent a request, whose answer goes out on the stream ({@link #answers}). */
    void request(CmsStream stream, Request request);

    /** The stream ended, or must end, for {@code reason}. */
    void ended(CmsStream stream, String reason);
  }

  final ManagedChannel channel;
  final Queue<Response> answers = new ConcurrentLinkedQueue<>();
  private final Owner owner;

  /** Written in beforeStart, which runs inside connect() on the link thread; used there only. */
  ClientCallStreamObserver<ManagerMessage> toCms;

  /** Link thread only: when the stream first became writable; null before. */
  Instant establishedAt;

  CmsStream(ManagedChannel channel, Owner owner) {
    this.channel = channel;
    this.owner = owner;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ManagerMessage> stream) {
    toCms = stream;
    stream.setOnReadyHandler(() -> owner.writable(this));
  }

  @Override
  public void onNext(CmsMessage message) {
    switch (message.getMessageCase()) {
      case REQUEST -> owner.request(this, message.getRequest());
      case TERMINATE ->
          owner.ended(
              this,
              "the CMS asked the manager to disconnect: "
                  + BoundedText.of(message.getTerminate().getReason()));
      case MESSAGE_NOT_SET ->
          log.warn("CMS link: ignoring a message of a kind this manager does not know");
    }
  }

  @Override
  public void onError(Throwable t) {
    owner.ended(this, StatusText.describe(t));
  }

  @Override
  public void onCompleted() {
    owner.ended(this, "the CMS ended the stream");
  }
}
