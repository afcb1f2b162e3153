package io.cocos.cli.manager;

import io.cocos.cli.CliContext;
import io.cocos.cli.grpc.GrpcClientConfig;
import io.cocos.cli.grpc.GrpcConnection;
import io.cocos.manager.api.ManagerServiceGrpc;
import io.grpc.ManagedChannel;

/** A channel to the manager, with its service's stub. */
public final class ManagerConnection implements AutoCloseable {
  private final GrpcConnection connection;

  private ManagerConnection(GrpcConnection connection) {
    this.connection = connection;
  }

  /**
   * @param config from {@code GrpcClientConfig.fromEnv(ctx, GrpcPeer.MANAGER)}
   */
  public static ManagerConnection open(CliContext ctx, GrpcClientConfig config) {
    return new ManagerConnection(GrpcConnection.open(ctx, config));
  }

  /** "without TLS", "with TLS" or "with mTLS". */
  public String mode() {
    return connection.mode();
  }

  /** A stub whose next call has MANAGER_GRPC_TIMEOUT as its deadline. */
  public ManagerServiceGrpc.ManagerServiceBlockingStub stub() {
    return connection.withTimeout(ManagerServiceGrpc.newBlockingStub(connection.channel()));
  }

  /** For streaming calls (logs, events), which set their own deadlines. */
  public ManagedChannel channel() {
    return connection.channel();
  }

  @Override
  public void close() {
    connection.close();
  }
}
