public enum CourtyardServerPlaceholder {}
